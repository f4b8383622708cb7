package dev.pgoutbox.autoconfigure.health;

import java.time.Duration;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

import dev.pgoutbox.autoconfigure.OutboxProperties;
import dev.pgoutbox.autoconfigure.OutboxRelayLifecycle;
import dev.pgoutbox.autoconfigure.OutboxStatus;
import dev.pgoutbox.autoconfigure.OutboxStatusReader;
import dev.pgoutbox.replication.SlotStatus;

/**
 * Health of the outbox relay: UP while it streams or stands by, DOWN when it cannot
 * reach its slot, the slot is lost, or the slot's lag exceeds {@code outbox.health.max-lag};
 * bounded by {@code outbox.health.timeout} so that it never hangs on a dead database.
 */
public class OutboxHealthIndicator extends AbstractHealthIndicator {

	private final OutboxStatusReader reader;

	private final long maxLagBytes;

	private final Duration timeout;

	public OutboxHealthIndicator(OutboxStatusReader reader, OutboxProperties properties) {
		super("Outbox health check failed");
		this.reader = reader;
		this.maxLagBytes = properties.getHealth().getMaxLag().toBytes();
		this.timeout = properties.getHealth().getTimeout();
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		OutboxStatus status = this.reader.read(this.timeout);
		builder.withDetails(status.details());
		SlotStatus slot = status.slotStatus();
		if (slot == null) {
			builder.down().withDetail("reason", "the slot's status could not be read");
		}
		else if (slot.isLost()) {
			builder.down().withDetail("reason", "the server removed WAL the slot still needed (wal_status=lost)");
		}
		else if (slot.lagBytes() > this.maxLagBytes) {
			builder.down()
				.withDetail("reason", "lag of " + slot.lagBytes() + " bytes exceeds outbox.health.max-lag ("
						+ this.maxLagBytes + " bytes)");
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
