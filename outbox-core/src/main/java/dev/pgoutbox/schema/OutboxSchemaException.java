package dev.pgoutbox.schema;

/**
 * Thrown when the outbox's tables or publication are missing or unusable.
 */
public class OutboxSchemaException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	OutboxSchemaException(String message) {
		super(message);
	}

}
