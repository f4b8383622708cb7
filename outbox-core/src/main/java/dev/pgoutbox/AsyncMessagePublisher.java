package dev.pgoutbox;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * A {@link MessagePublisher} that hands a message to its broker client and returns at
 * once, the broker's answer completing the returned stage: the outbox then keeps many
 * keys' messages in flight without a delivery thread waiting for each, so that a client
 * that batches (a Kafka producer, an AMQP channel with publisher confirms) sends many
 * records per request.
 *
 * <p>
 * The guarantees are those of {@link MessagePublisher}: the stage completes normally only
 * once the broker has taken the message, and exceptionally otherwise (an
 * {@link UndeliverableMessageException} parks the message at once, anything else is
 * retried). One key's next message is handed over only once its previous one's stage has
 * completed, so order per key holds as with blocking calls; the outbox's publish timeout
 * ({@code outbox.delivery.publish-timeout}) applies from the call to the completion.
 *
 * <p>
 * Calls for different keys overlap, and stages may complete on the client's own threads:
 * implementations must be thread-safe, and must not block in {@link #publishAsync} longer
 * than it takes to hand the message over (waiting for the broker client's buffer space or
 * metadata is fine).
 */
@FunctionalInterface
public interface AsyncMessagePublisher extends MessagePublisher {

	/**
	 * Hands the message over to the broker client.
	 * @param message the message, never {@code null}
	 * @return a stage completed once the broker has taken the message, or exceptionally
	 * with why it did not; never {@code null}
	 * @throws Exception if the message could not be handed over at all (the same as a
	 * stage completed exceptionally)
	 */
	CompletionStage<?> publishAsync(OutboxMessage message) throws Exception;

	/**
	 * Sends the message and waits for the broker's answer.
	 * @param message the message, never {@code null}
	 * @throws Exception what the stage completed with, if not normally
	 */
	@Override
	default void publish(OutboxMessage message) throws Exception {
		CompletionStage<?> sent = publishAsync(message);
		if (sent == null) {
			throw new IllegalStateException(getClass().getName() + ".publishAsync returned null for " + message);
		}
		try {
			sent.toCompletableFuture().get();
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			if (cause instanceof Exception exception) {
				throw exception;
			}
			if (cause instanceof Error error) {
				throw error;
			}
			throw ex;
		}
	}

}
