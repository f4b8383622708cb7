package dev.pgoutbox;

/**
 * Thrown when the dead letters cannot be read or changed, such as when the database is
 * unreachable; its message never contains a payload.
 */
public class DeadLetterException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public DeadLetterException(String message, Throwable cause) {
		super(message, cause);
	}

}
