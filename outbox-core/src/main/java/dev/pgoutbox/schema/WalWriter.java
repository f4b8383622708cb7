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

	private final WalCompression compression;

	WalWriter(String prefix, List<String> slots, WalCompression compression) {
		if (slots == null || slots.isEmpty()) {
			throw new IllegalArgumentException("'slots' must not be empty");
		}
		this.prefix = prefix;
		this.slots = List.copyOf(slots);
		if (compression == null) {
			throw new IllegalArgumentException("'compression' must not be null");
		}
		this.compression = compression;
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

	/**
	 * Emits a chunk, in the same statement refusing unless every slot exists: before the
	 * outbox's start has created them, and after one is gone (dropped, or the server is a
	 * promoted standby that did not have it), a message would be in no slot's keeping. A
	 * check made once would let every later message be lost after such a failover.
	 */
	private void emit(Connection connection, List<Row> rows) throws SQLException {
		// one statement for the chunk: the set-returning unnest emits in array order; the
		// slot count is a one-time filter, so nothing is emitted when it fails. The
		// function behind the pg_replication_slots view, without the view's join to
		// pg_database, costs about a third less a call
		String slotsPresent = " WHERE (SELECT count(*) FROM pg_catalog.pg_get_replication_slots() AS s "
				+ "WHERE s.slot_name = ANY (?)) = ?";
		String sql = (rows.size() == 1) ? "SELECT pg_logical_emit_message(true, ?, ?::bytea)" + slotsPresent
				: "SELECT count(pg_logical_emit_message(true, ?, content)) FROM unnest(ARRAY["
						+ "?::bytea, ".repeat(rows.size() - 1) + "?::bytea]) WITH ORDINALITY AS m (content, n)"
						+ slotsPresent;
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, this.prefix);
			int parameter = 2;
			for (Row row : rows) {
				statement.setBytes(parameter++, WalMessageFormat.encode(row, this.compression));
			}
			statement.setArray(parameter++, connection.createArrayOf("text", this.slots.toArray()));
			statement.setLong(parameter, this.slots.size());
			try (ResultSet rs = statement.executeQuery()) {
				boolean emitted = (rows.size() == 1) ? rs.next() : (rs.next() && rs.getLong(1) == rows.size());
				if (!emitted) {
					throw new SQLException("With outbox.store=wal a message is kept only by the outbox's replication "
							+ "slots " + this.slots + ", and not all of them exist yet, or one is gone: the outbox "
							+ "creates them when it starts, so publish once the application has started; a slot that "
							+ "is gone was dropped, or the server is a promoted standby that did not have it (see "
							+ "outbox.replication.failover), and the relay reports it until restarted with "
							+ "outbox.replication.recreate-lost-slot=true");
				}
			}
		}
	}

}
