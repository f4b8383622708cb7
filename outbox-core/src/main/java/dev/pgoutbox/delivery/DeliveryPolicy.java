package dev.pgoutbox.delivery;

import java.time.Duration;

/**
 * How the {@link Dispatcher} treats publish calls that fail: the backoff between
 * attempts, how many attempts a message gets before it is parked, and how long one call
 * may take before it counts as failed.
 *
 * <p>
 * Immutable and thread-safe.
 *
 * @param backoff the delays between attempts of one message, not {@code null}
 * @param maxAttempts the most publish attempts of one message before it is parked, or
 * {@code 0} for no limit (a failing message then holds its key until it goes through)
 * @param publishTimeout the longest one publish call may take before it counts as failed,
 * or {@code null} for no limit
 */
public record DeliveryPolicy(Backoff backoff, int maxAttempts, Duration publishTimeout) {

	public DeliveryPolicy {
		if (backoff == null) {
			throw new IllegalArgumentException("'backoff' must not be null");
		}
		if (maxAttempts < 0) {
			throw new IllegalArgumentException("'maxAttempts' must be 0 (no limit) or more");
		}
		if (publishTimeout != null && (publishTimeout.isNegative() || publishTimeout.isZero())) {
			throw new IllegalArgumentException("'publishTimeout' must be positive");
		}
	}

	/**
	 * Returns a policy that retries every message until it goes through, however long a
	 * call takes.
	 * @param backoff the delays between attempts, not {@code null}
	 * @return the policy
	 */
	static DeliveryPolicy retryForever(Backoff backoff) {
		return new DeliveryPolicy(backoff, 0, null);
	}

	/**
	 * Returns whether a message that has failed {@code attempts} times is to be parked
	 * rather than tried again.
	 * @param attempts the failed attempts so far
	 * @return {@code true} if the message has had its last attempt
	 */
	boolean exhausted(int attempts) {
		return this.maxAttempts > 0 && attempts >= this.maxAttempts;
	}

}
