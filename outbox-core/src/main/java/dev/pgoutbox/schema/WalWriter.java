package dev.pgoutbox.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * Emits messages as transactional logical decoding messages: decoded only if the caller's
 * transaction commits, in its commit order, and nowhere but in the WAL.
 */
final class WalWriter implements OutboxWriter {

	/** The most messages emitted in one statement, so that statements stay small. */
	private static final int CHUNK = 100;

	private final String prefix;

	WalWriter(String prefix) {
		this.prefix = prefix;
	}

	@Override
	public MessageStore store() {
		return MessageStore.WAL;
	}

	@Override
	public void insert(Connection connection, List<Row> rows) throws SQLException {
		for (int from = 0; from < rows.size(); from += CHUNK) {
			emit(connection, rows.subList(from, Math.min(rows.size(), from + CHUNK)));
		}
	}

	private void emit(Connection connection, List<Row> rows) throws SQLException {
		// one statement for the chunk: the set-returning unnest emits in array order
		String sql = (rows.size() == 1) ? "SELECT pg_logical_emit_message(true, ?, ?::bytea)"
				: "SELECT count(pg_logical_emit_message(true, ?, content)) FROM unnest(ARRAY["
						+ "?::bytea, ".repeat(rows.size() - 1) + "?::bytea]) WITH ORDINALITY AS m (content, n)";
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, this.prefix);
			int parameter = 2;
			for (Row row : rows) {
				statement.setBytes(parameter++, WalMessageFormat.encode(row));
			}
			try (ResultSet rs = statement.executeQuery()) {
				rs.next();
			}
		}
	}

}
