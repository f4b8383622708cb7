package dev.pgoutbox.schema;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;

/**
 * Writes serialized messages into the store, on a connection it is given, so the caller
 * decides the transaction: rows of the outbox table ({@link #table}), or transactional
 * logical decoding messages in the WAL ({@link #wal}).
 *
 * <p>
 * Implementations are immutable and thread-safe.
 */
public interface OutboxWriter {

	/**
	 * Returns a writer that inserts rows into the outbox table.
	 * @param table the outbox table, not {@code null}
	 * @return the writer
	 */
	static OutboxWriter table(OutboxTable table) {
		return new TableWriter(table);
	}

	/**
	 * Returns a writer that emits transactional logical decoding messages, in
	 * {@link WalMessageFormat}, compressing payloads with {@link WalCompression#DEFLATE}.
	 * Every statement it runs refuses unless every slot of the outbox exists: a message
	 * emitted while no slot exists is kept by nothing.
	 * @param prefix the prefix, checked with {@link WalMessageFormat#checkPrefix}
	 * @param slots the names of the outbox's slots, one per partition
	 * @return the writer
	 */
	static OutboxWriter wal(String prefix, List<String> slots) {
		return wal(prefix, slots, WalCompression.DEFLATE);
	}

	/**
	 * Returns a writer that emits transactional logical decoding messages, in
	 * {@link WalMessageFormat}. Every statement it runs refuses unless every slot of the
	 * outbox exists: a message emitted while no slot exists is kept by nothing.
	 * @param prefix the prefix, checked with {@link WalMessageFormat#checkPrefix}
	 * @param slots the names of the outbox's slots, one per partition
	 * @param compression whether payloads are compressed
	 * @return the writer
	 */
	static OutboxWriter wal(String prefix, List<String> slots, WalCompression compression) {
		return new WalWriter(WalMessageFormat.checkPrefix(prefix, "outbox.wal.prefix"), slots, compression);
	}

	/**
	 * Returns the store this writer writes to.
	 * @return the store
	 */
	MessageStore store();

	/**
	 * Writes the messages, in order.
	 * @param connection the connection, in the caller's transaction
	 * @param rows the messages, not {@code null}
	 * @throws SQLException if the write fails
	 */
	void insert(Connection connection, List<Row> rows) throws SQLException;

	/**
	 * A message ready to be written.
	 *
	 * @param id the stable id
	 * @param type the type
	 * @param key the ordering key
	 * @param payloadJson the payload as JSON text
	 * @param headersJson the headers as a JSON object, or {@code null} for none
	 * @param partition the partition key
	 * @param handlers the only handlers it goes to, comma-separated (a replayed dead
	 * letter), or {@code null} for every handler that takes its type
	 */
	record Row(UUID id, String type, String key, String payloadJson, String headersJson, String partition,
			String handlers) {

		public Row(UUID id, String type, String key, String payloadJson, String headersJson, String partition) {
			this(id, type, key, payloadJson, headersJson, partition, null);
		}

		public Row(UUID id, String type, String key, String payloadJson, String headersJson) {
			this(id, type, key, payloadJson, headersJson, OutboxPartition.DEFAULT);
		}

		@Override
		public String toString() {
			// the payload may hold personal data
			return "Row[id=" + this.id + ", type=" + this.type + ", key=" + this.key + "]";
		}

	}

}
