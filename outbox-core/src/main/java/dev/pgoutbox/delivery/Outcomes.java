package dev.pgoutbox.delivery;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.pgoutbox.DeliveryListener;
import dev.pgoutbox.UndeliverableMessageException;

/**
 * What becomes of a lane's head after an attempt: done once delivered or parked,
 * otherwise tried or parked again after a backoff, each outcome told to the
 * {@link DeliveryListener}.
 */
final class Outcomes {

	// logged under the Dispatcher, whose name is the one operators set levels for
	private static final Logger logger = LoggerFactory.getLogger(Dispatcher.class);

	private final DeliveryPolicy policy;

	private final MessageParker parker;

	private final DeliveryListener listener;

	private final Lanes lanes;

	Outcomes(DeliveryPolicy policy, MessageParker parker, DeliveryListener listener, Lanes lanes) {
		this.policy = policy;
		this.parker = parker;
		this.listener = listener;
		this.lanes = lanes;
	}

	void delivered(Lane lane, Envelope envelope, long tookNanos) {
		envelope.completion().done();
		// heard before the message leaves the buffer, so that drained means every
		// delivery was heard
		notify(() -> this.listener.delivered(envelope.message(), Duration.ofNanos(tookNanos)));
		this.lanes.finished(lane, envelope);
	}

	/**
	 * Called by the lane's current holder: a delivery thread, or the timer for a
	 * timed-out call.
	 */
	void failed(Lane lane, Envelope envelope, Throwable error) {
		int attempt = ++lane.failedAttempts;
		// a message the broker refused for what it is gains nothing from more attempts
		if (this.policy.exhausted(attempt) || UndeliverableMessageException.isUndeliverable(error)) {
			lane.lastError = error;
			// parked by a delivery thread, which may block on the database
			this.lanes.retryLater(lane, Duration.ZERO);
			return;
		}
		Duration delay = this.policy.backoff().delay(attempt);
		notify(() -> this.listener.failed(envelope.message(), error, attempt, delay));
		this.lanes.retryLater(lane, delay);
	}

	void park(Lane lane, Envelope envelope) {
		int attempts = lane.failedAttempts;
		Throwable lastError = lane.lastError;
		try {
			this.parker.park(envelope.message(), attempts, lastError);
		}
		catch (Throwable ex) {
			Thread.interrupted();
			int failures = ++lane.parkingFailures;
			Duration delay = this.policy.backoff().delay(failures);
			// the parker's errors must not carry the payload; see MessageParker
			logger.warn("Could not park outbox message {} (type '{}', key '{}'), trying again in {} ms: {}",
					envelope.message().id(), envelope.message().type(), envelope.message().key(), delay.toMillis(),
					ex.toString());
			this.lanes.retryLater(lane, delay);
			return;
		}
		Thread.interrupted();
		envelope.completion().done();
		notify(() -> this.listener.parked(envelope.message(), attempts, lastError));
		this.lanes.finished(lane, envelope);
	}

	/** A listener that throws must not kill the delivery thread and strand its key. */
	private static void notify(Runnable call) {
		try {
			call.run();
		}
		catch (RuntimeException ex) {
			logger.warn("Delivery listener failed: {}", ex.toString());
		}
	}

}
