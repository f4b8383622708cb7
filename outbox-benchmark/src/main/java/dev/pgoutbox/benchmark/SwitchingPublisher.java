package dev.pgoutbox.benchmark;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;

/**
 * The publisher bean of a context that runs several phases: each phase hands it the
 * publisher that counts it, and an outage makes every call fail until it is lifted.
 */
final class SwitchingPublisher implements MessagePublisher {

	private volatile MessagePublisher delegate = (message) -> {
	};

	private volatile boolean failing;

	/** Sends the next messages to {@code publisher}. @return the publisher */
	<T extends MessagePublisher> T use(T publisher) {
		this.delegate = publisher;
		return publisher;
	}

	/** Starts ({@code true}) or ends a broker outage: every call fails meanwhile. */
	void fail(boolean failing) {
		this.failing = failing;
	}

	@Override
	public void publish(OutboxMessage message) throws Exception {
		if (this.failing) {
			throw new IllegalStateException("the broker is down (benchmark outage)");
		}
		this.delegate.publish(message);
	}

}
