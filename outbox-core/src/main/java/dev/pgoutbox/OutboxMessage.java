package dev.pgoutbox;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A committed outbox message as handed to {@link MessagePublisher}.
 *
 * <p>
 * Instances are immutable and thread-safe.
 *
 * @param id the stable id given at {@code publish}, the same on every delivery attempt
 * and redelivery; consumers deduplicate on it
 * @param type the message type chosen by the writer, never {@code null}
 * @param key the ordering key; messages with one key are delivered one at a time in
 * commit order, never {@code null}
 * @param payload the payload as JSON text, never {@code null}
 * @param headers the headers given at {@code publish}, never {@code null}, possibly empty
 * @param committedAt the commit time of the writing transaction as PostgreSQL reports it,
 * never {@code null}
 * @param lsn the WAL position of the transaction's commit the message was read at; for a
 * row read from the table when the slot was created, the slot's starting position
 * @param partition the partition the message was written to, never {@code null}
 */
public record OutboxMessage(UUID id, String type, String key, String payload, Map<String, String> headers,
		Instant committedAt, Lsn lsn, String partition) {

	/**
	 * Creates a message of the partition {@code default}.
	 */
	public OutboxMessage(UUID id, String type, String key, String payload, Map<String, String> headers,
			Instant committedAt, Lsn lsn) {
		this(id, type, key, payload, headers, committedAt, lsn, "default");
	}

	public OutboxMessage {
		requireNonNull(id, "id");
		requireNonNull(type, "type");
		requireNonNull(key, "key");
		requireNonNull(payload, "payload");
		requireNonNull(committedAt, "committedAt");
		requireNonNull(lsn, "lsn");
		requireNonNull(partition, "partition");
		headers = (headers != null) ? Map.copyOf(headers) : Map.of();
	}

	private static void requireNonNull(Object value, String name) {
		if (value == null) {
			throw new IllegalArgumentException("'" + name + "' must not be null");
		}
	}

	@Override
	public String toString() {
		// the payload is left out on purpose: it may hold personal data and ends up in
		// logs
		return "OutboxMessage[id=" + this.id + ", type=" + this.type + ", key=" + this.key + ", lsn=" + this.lsn + "]";
	}

}
