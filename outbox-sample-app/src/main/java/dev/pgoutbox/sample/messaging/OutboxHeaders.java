package dev.pgoutbox.sample.messaging;

/**
 * Names of the headers the publishers add to every broker message, next to the headers
 * given at {@code OutboxPublisher.publish}: {@code application.yml} gives them to the
 * outbox's Kafka publisher as {@code outbox.kafka.id-header} and
 * {@code outbox.kafka.type-header}.
 */
public final class OutboxHeaders {

	/** The outbox message's stable id; consumers deduplicate on it. */
	public static final String MESSAGE_ID = "message-id";

	/** The outbox message's type, such as {@code MedicineAssigned}. */
	public static final String MESSAGE_TYPE = "message-type";

	private OutboxHeaders() {
	}

}
