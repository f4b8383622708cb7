package dev.pgoutbox.replication;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A relay's request to stop, with the deadline for the messages in flight: made by
 * whoever stops the relay, read by the relay's thread and its replication session, and
 * waking the relay's thread from its waits between connection attempts.
 *
 * <p>
 * Thread-safe.
 */
final class StopRequest {

	private final Object signal = new Object();

	private volatile boolean requested;

	private volatile long deadline;

	/**
	 * Requests the stop and wakes {@link #await} waiters. A second request (a coordinator
	 * asking again while the relay stops) keeps the first deadline, so that a hand-over
	 * whose messages keep failing still ends.
	 * @param timeout how long the messages in flight may take from now
	 */
	void request(Duration timeout) {
		synchronized (this.signal) {
			if (!this.requested) {
				// the deadline is written first: whoever sees the request sees its
				// deadline
				this.deadline = System.nanoTime() + timeout.toNanos();
				this.requested = true;
			}
			this.signal.notifyAll();
		}
	}

	boolean isRequested() {
		return this.requested;
	}

	boolean pastDeadline() {
		return this.requested && System.nanoTime() - this.deadline >= 0;
	}

	Duration untilDeadline() {
		return Duration.ofNanos(Math.max(0, this.deadline - System.nanoTime()));
	}

	/**
	 * Waits for {@code delay}, or until the stop is requested if that comes first. An
	 * interrupt ends the wait early and stays set.
	 */
	void await(Duration delay) {
		long until = System.nanoTime() + delay.toNanos();
		synchronized (this.signal) {
			long left;
			while (!this.requested && (left = until - System.nanoTime()) > 0) {
				try {
					TimeUnit.NANOSECONDS.timedWait(this.signal, left);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}
	}

}
