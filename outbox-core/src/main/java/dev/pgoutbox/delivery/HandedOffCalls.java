package dev.pgoutbox.delivery;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

import dev.pgoutbox.AsyncMessagePublisher;
import dev.pgoutbox.PublishTimeoutException;

/**
 * Calls to an {@link AsyncMessagePublisher}: a delivery thread hands a lane's head over
 * and goes on to the next lane, and the call's outcome, on whatever thread completes its
 * stage, or the publish timeout, whichever comes first, settles the lane.
 */
final class HandedOffCalls {

	private final AsyncMessagePublisher publisher;

	private final Lanes lanes;

	private final Outcomes outcomes;

	private final long publishTimeoutNanos;

	private final Duration publishTimeout;

	/** The calls watched for the timeout; empty without one. */
	private final Set<PublishCall> watched = ConcurrentHashMap.newKeySet();

	HandedOffCalls(AsyncMessagePublisher publisher, Lanes lanes, Outcomes outcomes, long publishTimeoutNanos,
			Duration publishTimeout) {
		this.publisher = publisher;
		this.lanes = lanes;
		this.outcomes = outcomes;
		this.publishTimeoutNanos = publishTimeoutNanos;
		this.publishTimeout = publishTimeout;
	}

	/** Hands the head of a lane, which the calling delivery thread holds, over. */
	void publish(Lane lane, Envelope envelope) {
		PublishCall call = new PublishCall(lane, envelope, System.nanoTime());
		// before the call: its stage may complete before publishAsync returns
		this.lanes.handedOff(lane);
		if (this.publishTimeoutNanos > 0) {
			this.watched.add(call);
		}
		CompletionStage<?> sent;
		try {
			sent = this.publisher.publishAsync(envelope.message());
			if (sent == null) {
				throw new IllegalStateException(
						this.publisher.getClass().getName() + ".publishAsync returned null for " + envelope.message());
			}
		}
		catch (Throwable ex) {
			settle(call, ex);
			return;
		}
		finally {
			// a publisher may leave the flag set; it must not fail the next, unrelated
			// call
			Thread.interrupted();
		}
		sent.whenComplete((result, failure) -> settle(call, failure));
	}

	/** Runs on the timer: gives up on calls past the publish timeout. */
	void expireOverdue(long now) {
		for (PublishCall call : this.watched) {
			if (now - call.started >= this.publishTimeoutNanos && call.settle(PublishCall.TIMED_OUT)) {
				this.watched.remove(call);
				// the stage may still complete, and the broker may have the message: at
				// worst a duplicate, as the retry sends it again
				this.outcomes.failed(call.lane, call.envelope, new PublishTimeoutException(this.publishTimeout));
			}
		}
	}

	private void settle(PublishCall call, Throwable failure) {
		if (!call.settle(PublishCall.RETURNED)) {
			// given up on after the timeout: its retry is under way
			return;
		}
		this.watched.remove(call);
		if (failure == null) {
			this.outcomes.delivered(call.lane, call.envelope, System.nanoTime() - call.started);
		}
		else {
			this.outcomes.failed(call.lane, call.envelope, unwrap(failure));
		}
	}

	private static Throwable unwrap(Throwable failure) {
		Throwable cause = failure;
		while ((cause instanceof CompletionException || cause instanceof ExecutionException)
				&& cause.getCause() != null) {
			cause = cause.getCause();
		}
		return cause;
	}

}
