package dev.pgoutbox.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.UUID;

/**
 * Inserts serialized messages into the outbox table on a connection it is given, so the
 * caller decides the transaction.
 *
 * <p>
 * Instances are immutable and thread-safe.
 */
public final class OutboxWriter {

	private final String insertSql;

	public OutboxWriter(OutboxTable table) {
		if (table == null) {
			throw new IllegalArgumentException("'table' must not be null");
		}
		this.insertSql = "INSERT INTO " + table.qualified()
				+ " (id, type, msg_key, payload, headers, partition_key) VALUES (?, ?, ?, ?::json, ?::jsonb, ?)";
	}

	/**
	 * A message ready to be written.
	 *
	 * @param id the stable id
	 * @param type the type
	 * @param key the ordering key
	 * @param payloadJson the payload as JSON text
	 * @param headersJson the headers as a JSON object, or {@code null} for none
	 * @param partition the partition key
	 */
	public record Row(UUID id, String type, String key, String payloadJson, String headersJson, String partition) {

		public Row(UUID id, String type, String key, String payloadJson, String headersJson) {
			this(id, type, key, payloadJson, headersJson, OutboxPartition.DEFAULT);
		}

	}

	/**
	 * Inserts the rows in one statement batch.
	 * @param connection the connection, in the caller's transaction
	 * @param rows the rows, not {@code null}
	 * @throws SQLException if the insert fails
	 */
	public void insert(Connection connection, List<Row> rows) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(this.insertSql)) {
			for (Row row : rows) {
				statement.setObject(1, row.id());
				statement.setString(2, row.type());
				statement.setString(3, row.key());
				statement.setString(4, row.payloadJson());
				if (row.headersJson() != null) {
					statement.setString(5, row.headersJson());
				}
				else {
					statement.setNull(5, Types.VARCHAR);
				}
				statement.setString(6, row.partition());
				if (rows.size() == 1) {
					statement.executeUpdate();
					return;
				}
				statement.addBatch();
			}
			statement.executeBatch();
		}
	}

}
