package dev.pgoutbox;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Reported as the failure of a {@link dev.pgoutbox.MessagePublisher} call that did not
 * return within the publish timeout.
 */
public class PublishTimeoutException extends TimeoutException {

	private static final long serialVersionUID = 1L;

	/**
	 * Creates an exception for a call that took longer than {@code timeout}.
	 * @param timeout the publish timeout, not {@code null}
	 */
	public PublishTimeoutException(Duration timeout) {
		super("MessagePublisher.publish did not return within " + timeout.toMillis() + " ms");
	}

}
