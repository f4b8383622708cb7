package dev.pgoutbox.replication;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * What a relay does with each delivery outcome of each handler: count it, log failures
 * (never the payload), then tell the application's listener, naming the handler.
 *
 * <p>
 * Thread-safe: called on delivery threads.
 */
final class RelayDeliveries {

	private static final Logger logger = LoggerFactory.getLogger(Relay.class);

	private final DeliveryListener next;

	private final Counts total = new Counts();

	private final Map<String, Counts> byHandler = new ConcurrentHashMap<>();

	RelayDeliveries(DeliveryListener next) {
		this.next = next;
	}

	RelayStatistics statistics(long reconnects) {
		return this.total.statistics(reconnects);
	}

	Map<String, RelayStatistics> byHandler(List<String> handlers) {
		Map<String, RelayStatistics> statistics = new LinkedHashMap<>();
		for (String handler : handlers) {
			statistics.put(handler, counts(handler).statistics(0));
		}
		return statistics;
	}

	/**
	 * Returns the listener a handler's dispatcher tells its outcomes.
	 * @param handler the handler's name
	 * @return the listener
	 */
	DeliveryListener of(String handler) {
		Counts counts = counts(handler);
		return new DeliveryListener() {

			@Override
			public void delivered(OutboxMessage message, Duration duration) {
				RelayDeliveries.this.delivered(handler, counts, message, duration);
			}

			@Override
			public void failed(OutboxMessage message, Throwable error, int attempt, Duration retryIn) {
				RelayDeliveries.this.failed(handler, counts, message, error, attempt, retryIn);
			}

			@Override
			public void parked(OutboxMessage message, int attempts, Throwable lastError) {
				RelayDeliveries.this.parked(handler, counts, message, attempts, lastError);
			}

		};
	}

	private Counts counts(String handler) {
		return this.byHandler.computeIfAbsent(handler, (name) -> new Counts());
	}

	private void delivered(String handler, Counts counts, OutboxMessage message, Duration duration) {
		Instant now = Instant.now();
		this.total.delivered(now);
		counts.delivered(now);
		if (this.next != null) {
			this.next.delivered(handler, message, duration);
		}
	}

	private void failed(String handler, Counts counts, OutboxMessage message, Throwable error, int attempt,
			Duration retryIn) {
		this.total.publishFailures.incrementAndGet();
		counts.publishFailures.incrementAndGet();
		// a broker outage fails every key at once: the first failure of a message and
		// every tenth after it are enough to follow it at WARN
		Level level = (attempt == 1 || attempt % 10 == 0) ? Level.WARN : Level.DEBUG;
		logger.atLevel(level)
			.log("Handler '{}' failed on outbox message {} (type '{}', key '{}') on attempt {} ({}); retrying in {} ms",
					handler, message.id(), message.type(), message.key(), attempt,
					FailureText.describe(error, message.payload()), retryIn.toMillis());
		if (this.next != null) {
			this.next.failed(handler, message, error, attempt, retryIn);
		}
	}

	private void parked(String handler, Counts counts, OutboxMessage message, int attempts, Throwable lastError) {
		// the last attempt failed too; it is reported here rather than to failed()
		this.total.parked();
		counts.parked();
		logger.warn(
				"Parked outbox message {} (type '{}', key '{}') of handler '{}' as a dead letter after {} failed "
						+ "attempts; last error: {}",
				message.id(), message.type(), message.key(), handler, attempts,
				FailureText.describe(lastError, message.payload()));
		if (this.next != null) {
			this.next.parked(handler, message, attempts, lastError);
		}
	}

	/** The counts of the relay, or of one handler. */
	private static final class Counts {

		private final AtomicLong delivered = new AtomicLong();

		private final AtomicLong publishFailures = new AtomicLong();

		private final AtomicLong parked = new AtomicLong();

		private volatile Instant lastDeliveryAt;

		void delivered(Instant at) {
			this.delivered.incrementAndGet();
			this.lastDeliveryAt = at;
		}

		void parked() {
			this.parked.incrementAndGet();
			this.publishFailures.incrementAndGet();
		}

		RelayStatistics statistics(long reconnects) {
			return new RelayStatistics(this.delivered.get(), this.publishFailures.get(), this.parked.get(), reconnects,
					this.lastDeliveryAt);
		}

	}

}
