package dev.pgoutbox.delivery;

import java.time.Duration;

/**
 * Hears the outcome of each {@link dev.pgoutbox.MessagePublisher} call, for cleanup,
 * logging and metrics. Called on delivery threads; implementations must be thread-safe
 * and quick.
 */
public interface DeliveryListener {

	/**
	 * Called after a successful publish.
	 * @param envelope the message delivered
	 * @param duration how long the successful call took
	 */
	default void delivered(Envelope envelope, Duration duration) {
	}

	/**
	 * Called after a failed publish; the message is retried after {@code retryIn}.
	 * @param envelope the message
	 * @param error what the publisher threw
	 * @param attempt the number of failed attempts so far, starting at 1
	 * @param retryIn the delay before the next attempt
	 */
	default void failed(Envelope envelope, Throwable error, int attempt, Duration retryIn) {
	}

}
