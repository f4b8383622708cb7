package dev.pgoutbox.replication;

/**
 * Thrown when the server or login cannot feed the relay; the message says what is wrong
 * and {@link #getAction()} how to fix it. Never holds a password.
 */
public class ReplicationSetupException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String action;

	ReplicationSetupException(String message, String action, Throwable cause) {
		super(message, cause);
		this.action = action;
	}

	/**
	 * Returns how to fix the problem.
	 * @return the action, never {@code null}
	 */
	public String getAction() {
		return this.action;
	}

}
