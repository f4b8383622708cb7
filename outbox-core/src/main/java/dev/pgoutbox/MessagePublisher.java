package dev.pgoutbox;

/**
 * Sends a committed outbox message to the broker; the one bean an application implements.
 *
 * <p>
 * Return normally only once the broker has taken the message; throw otherwise, and it is
 * retried. Calls for one key never overlap; calls for different keys run in parallel, so
 * implementations must be thread-safe.
 */
@FunctionalInterface
public interface MessagePublisher {

	/**
	 * Sends the message.
	 * @param message the message, never {@code null}
	 * @throws Exception if the broker did not take the message
	 */
	void publish(OutboxMessage message) throws Exception;

}
