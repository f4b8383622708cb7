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

	private final List<String> slots;

	private volatile boolean slotsSeen;

	WalWriter(String prefix, List<String> slots) {
		if (slots == null || slots.isEmpty()) {
			throw new IllegalArgumentException("'slots' must not be empty");
		}
		this.prefix = prefix;
		this.slots = List.copyOf(slots);
	}

	@Override
	public MessageStore store() {
		return MessageStore.WAL;
	}

	@Override
	public void insert(Connection connection, List<Row> rows) throws SQLException {
		if (!this.slotsSeen) {
			requireSlots(connection);
		}
		for (int from = 0; from < rows.size(); from += CHUNK) {
			emit(connection, rows.subList(from, Math.min(rows.size(), from + CHUNK)));
		}
	}

	/**
	 * Refuses to write until every slot exists: the outbox's start creates them, and
	 * before that a message would be in no slot's keeping.
	 */
	private void requireSlots(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection
			.prepareStatement("SELECT count(*) FROM pg_catalog.pg_replication_slots WHERE slot_name = ANY (?)")) {
			statement.setArray(1, connection.createArrayOf("text", this.slots.toArray()));
			try (ResultSet rs = statement.executeQuery()) {
				rs.next();
				if (rs.getLong(1) < this.slots.size()) {
					throw new SQLException("With outbox.store=wal a message is kept only by the outbox's replication "
							+ "slots " + this.slots + ", and not all of them exist yet; the outbox creates them when "
							+ "it starts, so publish once the application has started");
				}
			}
		}
		this.slotsSeen = true;
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
