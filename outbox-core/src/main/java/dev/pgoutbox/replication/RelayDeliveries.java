package dev.pgoutbox.replication;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import dev.pgoutbox.DeliveryListener;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.deadletter.FailureText;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayStatistics;

/**
 * What a relay does with each delivery outcome: count it, log failures (never the
 * payload), then tell the application's listener.
 *
 * <p>
 * Thread-safe: called on delivery threads.
 */
final class RelayDeliveries implements DeliveryListener {

	private static final Logger logger = LoggerFactory.getLogger(Relay.class);

	private final DeliveryListener next;

	private final AtomicLong delivered = new AtomicLong();

	private final AtomicLong publishFailures = new AtomicLong();

	private final AtomicLong parked = new AtomicLong();

	private volatile Instant lastDeliveryAt;

	RelayDeliveries(DeliveryListener next) {
		this.next = next;
	}

	RelayStatistics statistics(long reconnects) {
		return new RelayStatistics(this.delivered.get(), this.publishFailures.get(), this.parked.get(), reconnects,
				this.lastDeliveryAt);
	}

	@Override
	public void delivered(OutboxMessage message, Duration duration) {
		this.delivered.incrementAndGet();
		this.lastDeliveryAt = Instant.now();
		if (this.next != null) {
			this.next.delivered(message, duration);
		}
	}

	@Override
	public void failed(OutboxMessage message, Throwable error, int attempt, Duration retryIn) {
		this.publishFailures.incrementAndGet();
		// a broker outage fails every key at once: the first failure of a message and
		// every
		// tenth after it are enough to follow it at WARN
		Level level = (attempt == 1 || attempt % 10 == 0) ? Level.WARN : Level.DEBUG;
		logger.atLevel(level)
			.log("Publishing outbox message {} (type '{}', key '{}') failed on attempt {} ({}); retrying in {} ms",
					message.id(), message.type(), message.key(), attempt,
					FailureText.describe(error, message.payload()), retryIn.toMillis());
		if (this.next != null) {
			this.next.failed(message, error, attempt, retryIn);
		}
	}

	@Override
	public void parked(OutboxMessage message, int attempts, Throwable lastError) {
		this.parked.incrementAndGet();
		// the last attempt failed too; it is reported here rather than to failed()
		this.publishFailures.incrementAndGet();
		logger.warn(
				"Parked outbox message {} (type '{}', key '{}') as a dead letter after {} failed attempts; "
						+ "last error: {}",
				message.id(), message.type(), message.key(), attempts,
				FailureText.describe(lastError, message.payload()));
		if (this.next != null) {
			this.next.parked(message, attempts, lastError);
		}
	}

}
