package dev.pgoutbox.autoconfigure;

import java.util.List;
import java.util.Map;

import dev.pgoutbox.relay.RelayState;

/**
 * One reading of the relay and its slots, as health and the {@code outbox} endpoint show
 * it: no secrets, positions in the server's text form.
 *
 * @param state the relay's state; with several partitions, the most telling state of the
 * relays running here ({@code reconnecting} over {@code starting} over {@code running}),
 * or {@code standby} when none runs here
 * @param problems what makes the outbox unhealthy here (a slot lost, unreadable or
 * lagging past {@code outbox.health.max-lag}), empty if nothing
 * @param details everything, ready to show
 */
public record OutboxStatus(RelayState state, List<String> problems, Map<String, Object> details) {

	/**
	 * Returns the code of the actuator health status this reading stands for: {@code UP}
	 * while streaming or standing by, {@code DOWN} with a problem or while reconnecting,
	 * {@code UNKNOWN} while starting, {@code OUT_OF_SERVICE} before start and after stop.
	 * @return the status code, never {@code null}
	 */
	public String healthCode() {
		if (!this.problems.isEmpty()) {
			return "DOWN";
		}
		return switch (this.state) {
			case RUNNING, STANDBY -> "UP";
			case STARTING -> "UNKNOWN";
			case RECONNECTING -> "DOWN";
			case NEW, STOPPING, STOPPED -> "OUT_OF_SERVICE";
		};
	}

}
