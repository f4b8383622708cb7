package dev.pgoutbox.autoconfigure;

/**
 * Thrown at startup when the outbox cannot work as configured; its description says what
 * is wrong and its action how to fix it, and {@link OutboxFailureAnalyzer} reports both.
 */
public class OutboxStartupException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String action;

	public OutboxStartupException(String description, String action) {
		this(description, action, null);
	}

	public OutboxStartupException(String description, String action, Throwable cause) {
		super(description, cause);
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
