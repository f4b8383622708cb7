package dev.pgoutbox.autoconfigure.metrics;

import java.time.Duration;
import java.time.Instant;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import dev.pgoutbox.OutboxMessage;

/**
 * The delivery meters of one combination of tags, registered together and kept, so that a
 * delivery only counts: all four appear with the same tags as soon as the combination is
 * first seen. The publish call's own duration is the {@code outbox.deliver} observation's
 * timer, not one of these.
 */
final class DeliveryMeters {

	private final Counter delivered;

	private final Counter failures;

	private final Counter parked;

	private final Timer latency;

	private DeliveryMeters(Counter delivered, Counter failures, Counter parked, Timer latency) {
		this.delivered = delivered;
		this.failures = failures;
		this.parked = parked;
		this.latency = latency;
	}

	static DeliveryMeters register(MeterRegistry registry, Tags tags) {
		return new DeliveryMeters(
				Counter.builder("outbox.messages.delivered")
					.description("Messages the MessagePublisher took")
					.tags(tags)
					.register(registry),
				Counter.builder("outbox.publish.failures")
					.description("Failed MessagePublisher calls, each retried or parked")
					.tags(tags)
					.register(registry),
				Counter.builder("outbox.messages.parked")
					.description("Messages parked as dead letters")
					.tags(tags)
					.register(registry),
				Timer.builder("outbox.delivery.latency")
					.description("Time from the commit that wrote a message to the end of its successful publish")
					.tags(tags)
					.publishPercentileHistogram()
					.register(registry));
	}

	void delivered(OutboxMessage message) {
		this.delivered.increment();
		Duration latency = Duration.between(message.committedAt(), Instant.now());
		this.latency.record(latency.isNegative() ? Duration.ZERO : latency);
	}

	void failed() {
		this.failures.increment();
	}

	void parked() {
		// the last attempt failed too: it is reported with the parking rather than as a
		// failure of its own
		this.failures.increment();
		this.parked.increment();
	}

}
