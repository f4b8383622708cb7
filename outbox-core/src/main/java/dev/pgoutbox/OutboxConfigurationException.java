package dev.pgoutbox;

/**
 * Thrown when the outbox, or one of its broker modules, cannot work as configured: its
 * message says what is wrong and {@link #getAction()} how to fix it. In a Spring Boot
 * application the starter's failure analyzer reports both when startup fails.
 */
public class OutboxConfigurationException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	private final String action;

	/**
	 * Creates an exception.
	 * @param description what is wrong, naming the setting
	 * @param action how to fix it
	 */
	public OutboxConfigurationException(String description, String action) {
		this(description, action, null);
	}

	/**
	 * Creates an exception.
	 * @param description what is wrong, naming the setting
	 * @param action how to fix it
	 * @param cause the underlying error, may be {@code null}
	 */
	public OutboxConfigurationException(String description, String action, Throwable cause) {
		super(description, cause);
		if (action == null || action.isBlank()) {
			throw new IllegalArgumentException("'action' must not be blank");
		}
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
