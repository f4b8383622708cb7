package dev.pgoutbox.autoconfigure.health;

import java.time.Duration;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

import dev.pgoutbox.autoconfigure.OutboxProperties;
import dev.pgoutbox.autoconfigure.OutboxStatus;
import dev.pgoutbox.autoconfigure.OutboxStatusReader;

/**
 * Health of the outbox relay, as {@link OutboxStatus#healthCode()} tells it, bounded by
 * {@code outbox.health.timeout} so that it never hangs on a dead database.
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
		builder.status(status.healthCode()).withDetails(status.details());
		if (!status.problems().isEmpty()) {
			builder.withDetail("reason", String.join("; ", status.problems()));
		}
	}

}
