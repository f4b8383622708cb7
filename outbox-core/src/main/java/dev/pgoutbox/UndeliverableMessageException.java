package dev.pgoutbox;

/**
 * Thrown by a {@link MessagePublisher} for a message that no retry can deliver: the
 * broker refused it for what it is (too large, not serializable, a topic or exchange that
 * cannot exist, not authorized), not for a passing condition. The relay parks such a
 * message as a dead letter at once instead of spending every attempt on it, and the key's
 * next messages go on; an operator can replay it once the cause is fixed.
 *
 * <p>
 * Found as the thrown exception or anywhere in its cause chain, so that a publisher may
 * wrap it.
 */
public class UndeliverableMessageException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/**
	 * Creates an exception.
	 * @param message what makes the message undeliverable, never its payload
	 * @param cause the broker client's error, may be {@code null}
	 */
	public UndeliverableMessageException(String message, Throwable cause) {
		super(message, cause);
	}

	/**
	 * Returns whether a failure means the message can never be delivered.
	 * @param failure a publish call's failure, may be {@code null}
	 * @return {@code true} if it is, or is caused by, an
	 * {@code UndeliverableMessageException}
	 */
	public static boolean isUndeliverable(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof UndeliverableMessageException) {
				return true;
			}
			if (cause.getCause() == cause) {
				return false;
			}
		}
		return false;
	}

}
