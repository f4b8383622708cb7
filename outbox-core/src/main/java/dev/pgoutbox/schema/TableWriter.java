package dev.pgoutbox.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/**
 * Inserts messages into the outbox table, in one statement batch.
 */
final class TableWriter implements OutboxWriter {

	private final String insertSql;

	TableWriter(OutboxTable table) {
		if (table == null) {
			throw new IllegalArgumentException("'table' must not be null");
		}
		this.insertSql = "INSERT INTO " + table.qualified()
				+ " (id, type, msg_key, payload, headers, partition_key) VALUES (?, ?, ?, ?::json, ?::jsonb, ?)";
	}

	@Override
	public MessageStore store() {
		return MessageStore.TABLE;
	}

	@Override
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
