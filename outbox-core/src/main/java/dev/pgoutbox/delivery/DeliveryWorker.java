package dev.pgoutbox.delivery;

import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.pgoutbox.MessagePublisher;

/**
 * A delivery thread: takes ready lanes and publishes or parks their head, the publisher
 * running on this thread itself so that the normal path has no handoff between threads;
 * an asynchronous publisher's calls are handed to {@link HandedOffCalls} instead, and the
 * thread goes on to the next lane.
 */
final class DeliveryWorker implements Runnable {

	// logged under the Dispatcher, whose name is the one operators set levels for
	private static final Logger logger = LoggerFactory.getLogger(Dispatcher.class);

	private final Thread thread;

	private final MessagePublisher publisher;

	private final Lanes lanes;

	private final Outcomes outcomes;

	private final long publishTimeoutNanos;

	/** Where heads go with an asynchronous publisher; {@code null} otherwise. */
	private final HandedOffCalls handedOff;

	/**
	 * The publish call under way, watched for the timeout; {@code null} between calls.
	 */
	private volatile PublishCall call;

	DeliveryWorker(String name, MessagePublisher publisher, Lanes lanes, Outcomes outcomes, long publishTimeoutNanos,
			HandedOffCalls handedOff) {
		this.thread = new Thread(this, name);
		this.thread.setDaemon(true);
		this.publisher = publisher;
		this.lanes = lanes;
		this.outcomes = outcomes;
		this.publishTimeoutNanos = publishTimeoutNanos;
		this.handedOff = handedOff;
	}

	Thread thread() {
		return this.thread;
	}

	PublishCall call() {
		return this.call;
	}

	@Override
	public void run() {
		this.lanes.threadStarted();
		while (true) {
			Lane lane = this.lanes.take();
			if (lane == null) {
				return;
			}
			Envelope envelope = lane.head;
			if (lane.lastError != null) {
				this.outcomes.park(lane, envelope);
			}
			else if (this.handedOff != null) {
				this.handedOff.publish(lane, envelope);
			}
			else if (!publish(lane, envelope)) {
				return;
			}
		}
	}

	/**
	 * Publishes the head of a lane on this thread.
	 * @return {@code false} if the call timed out meanwhile and this thread was replaced
	 */
	private boolean publish(Lane lane, Envelope envelope) {
		long start = System.nanoTime();
		PublishCall call = null;
		if (this.publishTimeoutNanos > 0) {
			call = new PublishCall(lane, envelope, start);
			this.call = call;
		}
		Throwable failure = null;
		try {
			this.publisher.publish(envelope.message());
		}
		catch (Throwable ex) {
			failure = ex;
		}
		long took = System.nanoTime() - start;
		if (call != null) {
			this.call = null;
			if (!call.settle(PublishCall.RETURNED)) {
				// given up on: the retry is scheduled and another thread serves the lanes
				Thread.interrupted();
				logger.debug("Publishing outbox message {} returned after {} ms, past the publish timeout{}",
						envelope.message().id(), TimeUnit.NANOSECONDS.toMillis(took),
						(failure != null) ? "" : "; it is delivered again by the retry");
				return false;
			}
		}
		// a publisher may leave the flag set; it must not fail the next, unrelated call
		Thread.interrupted();
		if (failure == null) {
			this.outcomes.delivered(lane, envelope, took);
		}
		else {
			this.outcomes.failed(lane, envelope, failure);
		}
		return true;
	}

}
