package dev.pgoutbox.delivery;

import dev.pgoutbox.OutboxMessage;

/**
 * Stores a message that failed its last publish attempt where an operator can find it (a
 * dead-letter table), so that the rest of its key can go on.
 *
 * <p>
 * Called on delivery threads, one call per key at a time; implementations must be
 * thread-safe.
 */
@FunctionalInterface
public interface MessageParker {

	/**
	 * Stores the message durably, returning only once it is stored: the message then
	 * counts as done and its position may be confirmed to the server.
	 * @param message the message, not {@code null}
	 * @param attempts the number of failed publish attempts
	 * @param lastError what the last attempt threw, not {@code null}
	 * @throws Exception if the message could not be stored; it is then kept and parking
	 * is tried again after a backoff. The exception's {@code toString()} is logged, so it
	 * must not carry the payload
	 */
	void park(OutboxMessage message, int attempts, Throwable lastError) throws Exception;

}
