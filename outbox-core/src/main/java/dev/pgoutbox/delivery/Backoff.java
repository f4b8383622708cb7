package dev.pgoutbox.delivery;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: the delay before retry {@code n} is
 * {@code initial * multiplier^(n-1)}, capped at {@code max}, then spread by up to
 * {@code jitter} (a fraction) either way so that many keys do not retry in step.
 *
 * <p>
 * Immutable and thread-safe.
 *
 * @param initial the delay before the first retry
 * @param multiplier the growth factor, at least 1
 * @param max the longest delay
 * @param jitter the fraction, from 0 to 1, by which a delay may be shortened or
 * lengthened
 */
public record Backoff(Duration initial, double multiplier, Duration max, double jitter) {

	public Backoff {
		if (initial == null || initial.isNegative() || initial.isZero()) {
			throw new IllegalArgumentException("'initial' must be positive");
		}
		if (max == null || max.compareTo(initial) < 0) {
			throw new IllegalArgumentException("'max' must be at least 'initial'");
		}
		if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
			throw new IllegalArgumentException("'multiplier' must be at least 1");
		}
		if (!(jitter >= 0.0 && jitter <= 1.0)) {
			throw new IllegalArgumentException("'jitter' must be between 0 and 1");
		}
	}

	/**
	 * Returns the delay before the given retry.
	 * @param retry the retry number, starting at 1
	 * @return the delay, never longer than {@code max * (1 + jitter)}
	 */
	public Duration delay(int retry) {
		double base = this.initial.toNanos() * Math.pow(this.multiplier, Math.max(0, retry - 1));
		double capped = Math.min(base, this.max.toNanos());
		double spread = (this.jitter == 0.0) ? 0.0 : ThreadLocalRandom.current().nextDouble(-this.jitter, this.jitter);
		return Duration.ofNanos((long) Math.max(1, capped * (1.0 + spread)));
	}

}
