package dev.pgoutbox.replication;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import dev.pgoutbox.deadletter.FailureText;
import dev.pgoutbox.delivery.DeliveryListener;
import dev.pgoutbox.delivery.Envelope;

/**
 * What a relay does with each delivery outcome: count it, hand delivered and parked rows
 * to the cleaner, log failures (never the payload), then tell the application's listener.
 *
 * <p>Thread-safe: called on delivery threads.
 */
final class RelayDeliveries implements DeliveryListener {

	private static final Logger logger = LoggerFactory.getLogger(OutboxRelay.class);

	private final DeliveredRowCleaner cleaner;

	private final DeliveryListener next;

	private final AtomicLong delivered = new AtomicLong();

	private final AtomicLong publishFailures = new AtomicLong();

	private final AtomicLong parked = new AtomicLong();

	private volatile Instant lastDeliveryAt;

	RelayDeliveries(DeliveredRowCleaner cleaner, DeliveryListener next) {
		this.cleaner = cleaner;
		this.next = next;
	}

	RelayStatistics statistics(long reconnects) {
		return new RelayStatistics(this.delivered.get(), this.publishFailures.get(), this.parked.get(), reconnects,
				this.lastDeliveryAt);
	}

	@Override
	public void delivered(Envelope envelope, Duration duration) {
		this.delivered.incrementAndGet();
		this.lastDeliveryAt = Instant.now();
		this.cleaner.add(envelope.message().id());
		if (this.next != null) {
			this.next.delivered(envelope, duration);
		}
	}

	@Override
	public void failed(Envelope envelope, Throwable error, int attempt, Duration retryIn) {
		this.publishFailures.incrementAndGet();
		// a broker outage fails every key at once: the first failure of a message and every
		// tenth after it are enough to follow it at WARN
		Level level = (attempt == 1 || attempt % 10 == 0) ? Level.WARN : Level.DEBUG;
		logger.atLevel(level)
			.log("Publishing outbox message {} (type '{}', key '{}') failed on attempt {} ({}); retrying in {} ms",
					envelope.message().id(), envelope.message().type(), envelope.message().key(), attempt,
					FailureText.describe(error, envelope.message().payload()), retryIn.toMillis());
		if (this.next != null) {
			this.next.failed(envelope, error, attempt, retryIn);
		}
	}

	@Override
	public void parked(Envelope envelope, int attempts, Throwable lastError) {
		this.parked.incrementAndGet();
		// the last attempt failed too; it is reported here rather than to failed()
		this.publishFailures.incrementAndGet();
		this.cleaner.add(envelope.message().id());
		logger.warn("Parked outbox message {} (type '{}', key '{}') as a dead letter after {} failed attempts; "
				+ "last error: {}", envelope.message().id(), envelope.message().type(), envelope.message().key(),
				attempts, FailureText.describe(lastError, envelope.message().payload()));
		if (this.next != null) {
			this.next.parked(envelope, attempts, lastError);
		}
	}

}
