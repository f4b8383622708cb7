package dev.pgoutbox.delivery;

import java.util.Set;

import dev.pgoutbox.OutboxMessage;

/**
 * A message on its way to the handlers, with what to tell once it is done.
 *
 * @param message the message, not {@code null}
 * @param completion told once the message is delivered or parked, not {@code null}
 * @param handlers the names of the only handlers to give it to (a dead letter replayed
 * for the handlers that parked it), or {@code null} for every handler that takes its type
 */
public record Envelope(OutboxMessage message, Completion completion, Set<String> handlers) {

	public Envelope {
		if (message == null) {
			throw new IllegalArgumentException("'message' must not be null");
		}
		if (completion == null) {
			throw new IllegalArgumentException("'completion' must not be null");
		}
		handlers = (handlers != null) ? Set.copyOf(handlers) : null;
	}

	/**
	 * Creates an envelope for every handler that takes the message's type.
	 */
	public Envelope(OutboxMessage message, Completion completion) {
		this(message, completion, null);
	}

	/**
	 * Hears that a message is done: whoever offered it may now acknowledge it.
	 *
	 * <p>
	 * Told exactly once per envelope, on a delivery thread, before the message leaves the
	 * buffer; never for a message still held when the dispatcher closes, which stays
	 * unacknowledged. Implementations must be thread-safe and quick: the next message of
	 * the key waits for them.
	 */
	@FunctionalInterface
	public interface Completion {

		/** The message was delivered, or parked after its last attempt. */
		void done();

	}

}
