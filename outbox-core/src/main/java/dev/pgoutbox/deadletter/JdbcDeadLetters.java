package dev.pgoutbox.deadletter;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

import dev.pgoutbox.DeadLetterException;
import dev.pgoutbox.DeadLetters;
import dev.pgoutbox.JsonCodec;
import dev.pgoutbox.Lsn;
import dev.pgoutbox.ParkedMessage;
import dev.pgoutbox.schema.MessageStore;
import dev.pgoutbox.schema.OutboxSchema;
import dev.pgoutbox.schema.OutboxTable;
import dev.pgoutbox.schema.OutboxWriter;

/**
 * {@link DeadLetters} over JDBC, on the dead-letter table beside the outbox table.
 *
 * <p>
 * A replay deletes any row with the message's id still left in the outbox table, then
 * moves the dead letter back into the store with its id, in one transaction: into the
 * outbox table, or in the WAL store as a new logical decoding message. The relay reads it
 * from the WAL like any new message. Thread-safe; each call takes a connection of its own
 * from the {@link DataSource} and does not join a caller's transaction.
 */
public final class JdbcDeadLetters implements DeadLetters {

	private static final int REPLAY_BATCH_SIZE = 500;

	private final DataSource dataSource;

	private final String listSql;

	private final String countSql;

	private final String deleteSql;

	private final String lastParkedSql;

	private final String lockBatchSql;

	private final String deleteLeftoversSql;

	private final String requeueSql;

	private final String takeSql;

	private final OutboxWriter writer;

	private final JsonCodec json;

	/**
	 * Creates dead letters on the given outbox.
	 * @param dataSource connections to the outbox's database, not {@code null}
	 * @param table the outbox table, not {@code null}
	 * @param json reads the headers column, not {@code null}
	 */
	public JdbcDeadLetters(DataSource dataSource, OutboxTable table, JsonCodec json) {
		this(dataSource, table, json, OutboxWriter.table(table));
	}

	/**
	 * Creates dead letters on the given outbox that replay into the writer's store.
	 * @param dataSource connections to the outbox's database, not {@code null}
	 * @param table the outbox table, not {@code null}
	 * @param json reads the headers column, not {@code null}
	 * @param writer writes replayed messages back into the store, not {@code null}
	 */
	public JdbcDeadLetters(DataSource dataSource, OutboxTable table, JsonCodec json, OutboxWriter writer) {
		if (dataSource == null) {
			throw new IllegalArgumentException("'dataSource' must not be null");
		}
		if (table == null) {
			throw new IllegalArgumentException("'table' must not be null");
		}
		if (json == null) {
			throw new IllegalArgumentException("'json' must not be null");
		}
		if (writer == null) {
			throw new IllegalArgumentException("'writer' must not be null");
		}
		this.writer = writer;
		this.dataSource = dataSource;
		this.json = json;
		String deadLetters = OutboxSchema.qualifiedDeadLetterTable(table);
		this.listSql = "SELECT id, type, msg_key, payload, headers, committed_at, lsn, attempts, last_error, parked_at"
				+ " FROM " + deadLetters + " ORDER BY parked_at, id OFFSET ? LIMIT ?";
		this.countSql = "SELECT count(*) FROM " + deadLetters;
		this.deleteSql = "DELETE FROM " + deadLetters + " WHERE id = ?";
		this.lastParkedSql = "SELECT parked_at, id FROM " + deadLetters + " ORDER BY parked_at DESC, id DESC LIMIT 1";
		this.lockBatchSql = "SELECT id FROM " + deadLetters + " WHERE (parked_at, id) <= (?, ?)"
				+ " ORDER BY parked_at, id LIMIT " + REPLAY_BATCH_SIZE + " FOR UPDATE";
		this.deleteLeftoversSql = "DELETE FROM " + table.qualified() + " WHERE id = ANY (?)";
		this.requeueSql = "WITH parked AS (DELETE FROM " + deadLetters + " WHERE id = ANY (?)"
				+ " RETURNING id, type, msg_key, payload, headers, partition_key, parked_at)" + " INSERT INTO "
				+ table.qualified() + " (id, type, msg_key, payload, headers, partition_key)"
				+ " SELECT id, type, msg_key, payload, headers, partition_key FROM parked ORDER BY parked_at, id";
		this.takeSql = "WITH parked AS (DELETE FROM " + deadLetters + " WHERE id = ANY (?)"
				+ " RETURNING id, type, msg_key, payload, headers, partition_key, parked_at)"
				+ " SELECT id, type, msg_key, payload::text, headers::text, partition_key FROM parked"
				+ " ORDER BY parked_at, id";
	}

	@Override
	public List<ParkedMessage> list(int offset, int limit) {
		if (offset < 0) {
			throw new IllegalArgumentException("'offset' must not be negative");
		}
		if (limit < 0) {
			throw new IllegalArgumentException("'limit' must not be negative");
		}
		if (limit == 0) {
			return List.of();
		}
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(this.listSql)) {
			statement.setInt(1, offset);
			statement.setInt(2, limit);
			List<ParkedMessage> page = new ArrayList<>();
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					page.add(parkedMessage(rs));
				}
			}
			return page;
		}
		catch (SQLException ex) {
			throw failure("list", ex);
		}
	}

	@Override
	public long count() {
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(this.countSql);
				ResultSet rs = statement.executeQuery()) {
			rs.next();
			return rs.getLong(1);
		}
		catch (SQLException ex) {
			throw failure("count", ex);
		}
	}

	@Override
	public boolean replay(UUID id) {
		if (id == null) {
			throw new IllegalArgumentException("'id' must not be null");
		}
		try {
			return inTransaction((connection) -> requeue(connection, List.of(id))) == 1;
		}
		catch (SQLException ex) {
			throw failure("replay", ex);
		}
	}

	@Override
	public int replayAll() {
		try {
			Position last = inTransaction(this::lastParked);
			if (last == null) {
				return 0;
			}
			// messages parked again while this runs are left for the next call, so it
			// ends
			int total = 0;
			int replayed;
			do {
				replayed = inTransaction((connection) -> requeue(connection, lockBatch(connection, last)));
				total += replayed;
			}
			while (replayed > 0);
			return total;
		}
		catch (SQLException ex) {
			throw failure("replay", ex);
		}
	}

	@Override
	public boolean delete(UUID id) {
		if (id == null) {
			throw new IllegalArgumentException("'id' must not be null");
		}
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(this.deleteSql)) {
			statement.setObject(1, id);
			boolean deleted = statement.executeUpdate() == 1;
			if (!connection.getAutoCommit()) {
				connection.commit();
			}
			return deleted;
		}
		catch (SQLException ex) {
			throw failure("delete", ex);
		}
	}

	private Position lastParked(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(this.lastParkedSql);
				ResultSet rs = statement.executeQuery()) {
			return rs.next() ? new Position(rs.getObject(1, OffsetDateTime.class), rs.getObject(2, UUID.class)) : null;
		}
	}

	private List<UUID> lockBatch(Connection connection, Position last) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(this.lockBatchSql)) {
			statement.setObject(1, last.parkedAt());
			statement.setObject(2, last.id());
			List<UUID> ids = new ArrayList<>();
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					ids.add(rs.getObject(1, UUID.class));
				}
			}
			return ids;
		}
	}

	/** Moves the dead letters with the given ids back into the store. */
	private int requeue(Connection connection, List<UUID> ids) throws SQLException {
		if (ids.isEmpty()) {
			return 0;
		}
		Array array = connection.createArrayOf("uuid", ids.toArray());
		try (PreparedStatement leftovers = connection.prepareStatement(this.deleteLeftoversSql)) {
			// a row of a parked message may still wait for the relay's cleanup
			leftovers.setArray(1, array);
			leftovers.executeUpdate();
		}
		if (this.writer.store() == MessageStore.TABLE) {
			try (PreparedStatement requeue = connection.prepareStatement(this.requeueSql)) {
				requeue.setArray(1, array);
				return requeue.executeUpdate();
			}
		}
		List<OutboxWriter.Row> rows = new ArrayList<>(ids.size());
		try (PreparedStatement take = connection.prepareStatement(this.takeSql)) {
			take.setArray(1, array);
			try (ResultSet rs = take.executeQuery()) {
				while (rs.next()) {
					rows.add(new OutboxWriter.Row(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
							rs.getString(4), rs.getString(5), rs.getString(6)));
				}
			}
		}
		if (!rows.isEmpty()) {
			this.writer.insert(connection, rows);
		}
		return rows.size();
	}

	private <T> T inTransaction(Work<T> work) throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			boolean autoCommit = connection.getAutoCommit();
			connection.setAutoCommit(false);
			try {
				T result = work.run(connection);
				connection.commit();
				return result;
			}
			catch (SQLException | RuntimeException ex) {
				connection.rollback();
				throw ex;
			}
			finally {
				connection.setAutoCommit(autoCommit);
			}
		}
	}

	private ParkedMessage parkedMessage(ResultSet rs) throws SQLException {
		return new ParkedMessage(rs.getObject("id", UUID.class), rs.getString("type"), rs.getString("msg_key"),
				rs.getString("payload"), this.json.readHeaders(rs.getString("headers")),
				rs.getObject("committed_at", OffsetDateTime.class).toInstant(), Lsn.valueOf(rs.getString("lsn")),
				rs.getInt("attempts"), rs.getString("last_error"),
				rs.getObject("parked_at", OffsetDateTime.class).toInstant());
	}

	private static DeadLetterException failure(String operation, SQLException ex) {
		return new DeadLetterException("Could not " + operation + " dead letters (SQLState " + ex.getSQLState() + "): "
				+ FailureText.describe(ex, null), ex);
	}

	/** A dead letter's place in parking order. */
	private record Position(OffsetDateTime parkedAt, UUID id) {
	}

	@FunctionalInterface
	private interface Work<T> {

		T run(Connection connection) throws SQLException;

	}

}
