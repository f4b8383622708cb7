package dev.pgoutbox;

/**
 * Thrown by {@link OutboxPublisher} when a message is invalid or could not be written;
 * nothing of the call is left in the outbox.
 */
public class OutboxWriteException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public OutboxWriteException(String message) {
		super(message);
	}

	public OutboxWriteException(String message, Throwable cause) {
		super(message, cause);
	}

}
