package dev.pgoutbox.autoconfigure.health;

import java.time.Duration;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

import dev.pgoutbox.autoconfigure.OutboxProperties;
import dev.pgoutbox.autoconfigure.OutboxRelayLifecycle;
import dev.pgoutbox.autoconfigure.OutboxStatus;
import dev.pgoutbox.autoconfigure.OutboxStatusReader;

/**
 * Health of the outbox relay: UP while it streams or stands by, DOWN when it cannot
 * reach its slot, the slot is lost, or the slot's lag exceeds {@code outbox.health.max-lag};
 * bounded by {@code outbox.health.timeout} so that it never hangs on a dead database.
 */
public class OutboxHealthIndicator extends AbstractHealthIndicator {

	private final OutboxStatusReader reader;

	private final Duration timeout;

	public OutboxHealthIndicator(OutboxStatusReader reader, OutboxProperties properties) {
		super("Outbox health check failed");
		this.reader = reader;
		this.timeout = properties.getHealth().getTimeout();
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		OutboxStatus status = this.reader.read(this.timeout);
		builder.withDetails(status.details());
		if (!status.problems().isEmpty()) {
			builder.down().withDetail("reason", String.join("; ", status.problems()));
		}
		else {
			builder.status(statusOf(status));
		}
	}

	private static Status statusOf(OutboxStatus status) {
		return switch (status.state()) {
			case RUNNING, STANDBY -> Status.UP;
			case STARTING -> Status.UNKNOWN;
			case RECONNECTING -> Status.DOWN;
			case NEW, STOPPING, STOPPED -> Status.OUT_OF_SERVICE;
		};
	}

}
