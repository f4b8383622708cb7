package dev.pgoutbox.replication;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;
import javax.sql.DataSource;

import dev.pgoutbox.Lsn;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.schema.OutboxTable;

/**
 * Reads the rows a new slot cannot give: those committed before it was created. It reads
 * them in the snapshot the slot exported, so every row is either in that snapshot or in
 * the slot's stream, never in both and never in neither.
 *
 * <p>
 * Immutable and thread-safe.
 */
final class SnapshotBackfill {

	/**
	 * What the server's exported snapshot names look like, such as 00000003-00000002-1.
	 */
	private static final Pattern SNAPSHOT_NAME = Pattern.compile("[0-9A-F]+-[0-9A-F]+(-[0-9]+)?");

	private static final int FETCH_SIZE = 500;

	private final DataSource dataSource;

	private final String selectSql;

	private final OutboxRowMapper mapper;

	SnapshotBackfill(DataSource dataSource, OutboxTable table, String partition, OutboxRowMapper mapper) {
		this.dataSource = dataSource;
		this.mapper = mapper;
		// the partition key is checked to be letters, digits and underscores, so it is
		// safe as a literal
		this.selectSql = "SELECT id::text, type, msg_key, payload::text, headers::text, created_at, partition_key FROM "
				+ table.qualified() + ((partition != null) ? " WHERE partition_key = '" + partition + "'" : "")
				+ " ORDER BY seq";
	}

	/** Receives each row read; may block to apply backpressure. */
	@FunctionalInterface
	interface RowSink {

		void accept(OutboxMessage message) throws SQLException, InterruptedException;

	}

	/**
	 * Imports the snapshot and streams the outbox rows visible in it, in write order.
	 * Must run before the exporting replication connection runs its next command.
	 * @param snapshotName the name the slot's creation returned, or {@code null} to read
	 * the table as it is now (rows that the slot also streams are then read twice)
	 * @param consistentPoint the slot's starting position, given to each message as its
	 * LSN
	 * @param sink where the rows go
	 * @return the number of rows read
	 */
	long read(String snapshotName, Lsn consistentPoint, RowSink sink) throws SQLException, InterruptedException {
		if (snapshotName != null && !SNAPSHOT_NAME.matcher(snapshotName).matches()) {
			throw new SQLException("The server returned no usable snapshot for the new slot: '" + snapshotName + "'");
		}
		try (Connection connection = this.dataSource.getConnection()) {
			boolean autoCommit = connection.getAutoCommit();
			connection.setAutoCommit(false);
			try (Statement statement = connection.createStatement()) {
				statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
				// SET TRANSACTION SNAPSHOT takes no bind parameter; the name is checked
				// above
				if (snapshotName != null) {
					statement.execute("SET TRANSACTION SNAPSHOT '" + snapshotName + "'");
				}
				statement.setFetchSize(FETCH_SIZE);
				long count = 0;
				try (ResultSet rs = statement.executeQuery(this.selectSql)) {
					while (rs.next()) {
						sink.accept(this.mapper.message(rs.getString(1), rs.getString(2), rs.getString(3),
								rs.getString(4), rs.getString(5), rs.getTimestamp(6).toInstant(), consistentPoint,
								rs.getString(7)));
						count++;
					}
				}
				connection.commit();
				return count;
			}
			finally {
				if (!connection.isClosed()) {
					connection.rollback();
					connection.setAutoCommit(autoCommit);
				}
			}
		}
	}

}
