package dev.pgoutbox.delivery;

import java.util.ArrayDeque;

/**
 * The messages of one key, the first of which is being delivered, retried or parked.
 */
final class Lane {

	/**
	 * Guarded by the lock of {@link Lanes}, as offers append to it from other threads.
	 */
	final ArrayDeque<Envelope> queue = new ArrayDeque<>();

	/**
	 * The first of the queue, copied under the lock when a delivery thread takes the
	 * lane, so that its holder need not read the queue, which offers append to meanwhile.
	 */
	Envelope head;

	// the attempt fields need no lock: only the thread that holds the lane touches them
	int failedAttempts;

	/**
	 * What the last attempt threw once the head has had its last attempt: it is to be
	 * parked.
	 */
	Throwable lastError;

	int parkingFailures;

	/**
	 * Whether the head is with an asynchronous publisher rather than on a delivery
	 * thread; guarded by the lock of {@link Lanes}.
	 */
	boolean handedOff;

	void reset() {
		this.failedAttempts = 0;
		this.lastError = null;
		this.parkingFailures = 0;
	}

}
