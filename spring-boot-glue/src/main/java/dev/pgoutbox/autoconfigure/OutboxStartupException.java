package dev.pgoutbox.autoconfigure;

import dev.pgoutbox.OutboxConfigurationException;

/**
 * Thrown at startup when the outbox cannot work as configured; its description says what
 * is wrong and its action how to fix it, and {@link OutboxFailureAnalyzer} reports both.
 */
public class OutboxStartupException extends OutboxConfigurationException {

	private static final long serialVersionUID = 1L;

	public OutboxStartupException(String description, String action) {
		super(description, action);
	}

	public OutboxStartupException(String description, String action, Throwable cause) {
		super(description, action, cause);
	}

}
