package dev.pgoutbox.delivery;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One publish call, settled exactly once: by its return or by the publish timeout.
 */
final class PublishCall {

	static final int RETURNED = 1;

	static final int TIMED_OUT = 2;

	private static final AtomicIntegerFieldUpdater<PublishCall> STATE = AtomicIntegerFieldUpdater
		.newUpdater(PublishCall.class, "state");

	final Lane lane;

	final Envelope envelope;

	final long started;

	private volatile int state;

	PublishCall(Lane lane, Envelope envelope, long started) {
		this.lane = lane;
		this.envelope = envelope;
		this.started = started;
	}

	/**
	 * Settles the call unless the other side settled it first.
	 * @param outcome {@link #RETURNED} or {@link #TIMED_OUT}
	 * @return {@code true} if this outcome is the one that counts
	 */
	boolean settle(int outcome) {
		return STATE.compareAndSet(this, 0, outcome);
	}

}
