package dev.pgoutbox;

import java.time.Duration;

/**
 * Hears the outcome of each {@link dev.pgoutbox.MessagePublisher} call, for cleanup,
 * logging and metrics. Called on delivery threads (a timed-out call is reported from the
 * dispatcher's timer thread); implementations must be thread-safe and quick.
 */
public interface DeliveryListener {

	/**
	 * Called after a successful publish.
	 * @param message the message delivered
	 * @param duration how long the successful call took
	 */
	default void delivered(OutboxMessage message, Duration duration) {
	}

	/**
	 * Called after a failed publish that is to be retried after {@code retryIn}. The last
	 * attempt of a message that is then parked is reported by {@link #parked} instead.
	 * @param message the message
	 * @param error what the publisher threw, or a {@link PublishTimeoutException}
	 * @param attempt the number of failed attempts so far, starting at 1
	 * @param retryIn the delay before the next attempt
	 */
	default void failed(OutboxMessage message, Throwable error, int attempt, Duration retryIn) {
	}

	/**
	 * Called once a message that failed its last attempt is stored by the dead letters;
	 * it then counts as done, and the next message of its key follows.
	 * @param message the message parked
	 * @param attempts the number of failed publish attempts
	 * @param lastError what the last attempt threw, or a {@link PublishTimeoutException}
	 */
	default void parked(OutboxMessage message, int attempts, Throwable lastError) {
	}

}
