package dev.pgoutbox.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.pgoutbox.Lsn;
import dev.pgoutbox.OutboxMessage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Envelopes for dispatcher tests, each message labelled (such as {@code a1}) so that
 * assertions and logs read easily.
 */
final class LabelledEnvelopes {

	private final AtomicLong sequence = new AtomicLong();

	private final Map<UUID, String> labels = new ConcurrentHashMap<>();

	/** A new message of {@code key}, counted against {@code transaction}. */
	Envelope envelope(String label, String key, AckTracker.Transaction transaction) {
		long n = this.sequence.incrementAndGet();
		OutboxMessage message = new OutboxMessage(UUID.randomUUID(), "test.event", key, "{\"n\":" + n + "}", Map.of(),
				Instant.now(), Lsn.valueOf(n));
		this.labels.put(message.id(), label);
		transaction.expect();
		return new Envelope(message, transaction);
	}

	String label(OutboxMessage message) {
		return this.labels.get(message.id());
	}

	/** Offers the envelope, failing the test if the dispatcher has no room within five seconds. */
	static void offer(Dispatcher dispatcher, Envelope envelope) throws InterruptedException {
		assertThat(dispatcher.offer(envelope, Duration.ofSeconds(5))).as("offer %s", envelope.message()).isTrue();
	}

}
