package dev.pgoutbox;

import java.time.Duration;

/**
 * Hears the outcome of each {@link dev.pgoutbox.MessagePublisher} call, for cleanup,
 * logging and metrics. The relay calls the methods that name the handler; they default to
 * the ones that do not, so a listener that does not care about handlers implements those.
 * Called on delivery threads (a timed-out call is reported from the dispatcher's timer
 * thread); implementations must be thread-safe and quick.
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

	/**
	 * Called after a successful publish by a named handler; by default the same as
	 * {@link #delivered(OutboxMessage, Duration)}.
	 * @param handler the handler's name
	 * @param message the message delivered
	 * @param duration how long the successful call took
	 */
	default void delivered(String handler, OutboxMessage message, Duration duration) {
		delivered(message, duration);
	}

	/**
	 * Called after a failed publish by a named handler; by default the same as
	 * {@link #failed(OutboxMessage, Throwable, int, Duration)}.
	 * @param handler the handler's name
	 * @param message the message
	 * @param error what the handler threw, or a {@link PublishTimeoutException}
	 * @param attempt the handler's failed attempts of the message so far, from 1
	 * @param retryIn the delay before the next attempt
	 */
	default void failed(String handler, OutboxMessage message, Throwable error, int attempt, Duration retryIn) {
		failed(message, error, attempt, retryIn);
	}

	/**
	 * Called once a named handler's message is parked; by default the same as
	 * {@link #parked(OutboxMessage, int, Throwable)}.
	 * @param handler the handler's name
	 * @param message the message parked
	 * @param attempts the handler's failed attempts of the message
	 * @param lastError what the last attempt threw
	 */
	default void parked(String handler, OutboxMessage message, int attempts, Throwable lastError) {
		parked(message, attempts, lastError);
	}

}
