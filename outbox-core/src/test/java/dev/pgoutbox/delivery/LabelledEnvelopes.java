package dev.pgoutbox.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.pgoutbox.DeliveryListener;
import dev.pgoutbox.Lsn;
import dev.pgoutbox.OutboxMessage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Envelopes for dispatcher tests, each message labelled (such as {@code a1}) so that
 * assertions and logs read easily, and each completion recorded under its label.
 */
final class LabelledEnvelopes {

	private final AtomicLong sequence = new AtomicLong();

	private final Map<UUID, String> labels = new ConcurrentHashMap<>();

	private final List<String> done = new ArrayList<>();

	/** A new message of {@code key}, whose completion is recorded in {@link #done()}. */
	Envelope envelope(String label, String key) {
		long n = this.sequence.incrementAndGet();
		OutboxMessage message = new OutboxMessage(UUID.randomUUID(), "test.event", key, "{\"n\":" + n + "}", Map.of(),
				Instant.now(), Lsn.valueOf(n));
		this.labels.put(message.id(), label);
		return new Envelope(message, () -> {
			synchronized (this.done) {
				this.done.add(label);
			}
		});
	}

	String label(OutboxMessage message) {
		return this.labels.get(message.id());
	}

	/**
	 * Returns a listener that records {@code delivered <label>} and
	 * {@code failed <label>#<attempt>} in {@code events}, and each failure's error in
	 * {@code errors}.
	 */
	DeliveryListener recorder(List<String> events, List<Throwable> errors) {
		return new DeliveryListener() {

			@Override
			public void delivered(OutboxMessage message, Duration duration) {
				events.add("delivered " + label(message));
			}

			@Override
			public void failed(OutboxMessage message, Throwable error, int attempt, Duration retryIn) {
				events.add("failed " + label(message) + "#" + attempt);
				errors.add(error);
			}

		};
	}

	/**
	 * Returns the labels of the messages completed so far, in the order completed; a
	 * label that appears twice was completed twice.
	 */
	List<String> done() {
		synchronized (this.done) {
			return List.copyOf(this.done);
		}
	}

	/**
	 * Offers the envelope, failing the test if the dispatcher has no room within five
	 * seconds.
	 */
	static void offer(Dispatcher dispatcher, Envelope envelope) throws InterruptedException {
		assertThat(dispatcher.offer(envelope, Duration.ofSeconds(5))).as("offer %s", envelope.message()).isTrue();
	}

}
