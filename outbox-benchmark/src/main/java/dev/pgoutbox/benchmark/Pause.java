package dev.pgoutbox.benchmark;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits that the benchmark treats as uninterruptible: it runs to completion or fails.
 */
final class Pause {

	private Pause() {
	}

	static void millis(long millis) {
		until(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis));
	}

	/** Parks until {@code deadline} of {@link System#nanoTime()}. */
	static void until(long deadline) {
		long left;
		while ((left = deadline - System.nanoTime()) > 0) {
			LockSupport.parkNanos(left);
		}
	}

}
