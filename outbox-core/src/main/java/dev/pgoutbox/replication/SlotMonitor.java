package dev.pgoutbox.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;

import dev.pgoutbox.Lsn;
import dev.pgoutbox.schema.OutboxSchema;
import dev.pgoutbox.schema.OutboxTable;
import dev.pgoutbox.schema.SqlIdentifier;

/**
 * Reads a slot's {@link SlotStatus}, and the number of dead letters, from the server
 * within a time limit, so that health checks and metrics never hang on a dead database.
 * One read runs at a time; a caller arriving while one is under way waits for it rather
 * than starting another.
 *
 * <p>
 * Thread-safe.
 */
public final class SlotMonitor implements AutoCloseable {

	private final String query;

	private final DataSource dataSource;

	private final SqlIdentifier slot;

	private final ExecutorService reader = Executors.newSingleThreadExecutor((task) -> {
		Thread thread = new Thread(task, "outbox-slot-monitor");
		thread.setDaemon(true);
		return thread;
	});

	private Future<SlotStatus> pending;

	/**
	 * Creates a monitor.
	 * @param dataSource connections to the outbox's database
	 * @param slot the slot to watch
	 * @param table the outbox table, whose dead letters are counted
	 */
	public SlotMonitor(DataSource dataSource, SqlIdentifier slot, OutboxTable table) {
		if (dataSource == null || slot == null || table == null) {
			throw new IllegalArgumentException("'dataSource', 'slot' and 'table' must not be null");
		}
		this.dataSource = dataSource;
		this.slot = slot;
		this.query = "SELECT pg_current_wal_lsn()::text, s.active, s.confirmed_flush_lsn::text, s.restart_lsn::text, "
				+ "to_jsonb(s) ->> 'wal_status', to_jsonb(s) ->> 'safe_wal_size', s.slot_name IS NOT NULL, "
				+ "(SELECT count(*) FROM " + OutboxSchema.qualifiedDeadLetterTable(table) + ") "
				+ "FROM (SELECT 1) AS one LEFT JOIN pg_catalog.pg_replication_slots s ON s.slot_name = ?";
	}

	/**
	 * Returns the slot's status as the server reports it now.
	 * @param timeout the longest wait
	 * @return the status
	 * @throws SQLException if the server could not be asked or did not answer in time
	 */
	public SlotStatus read(Duration timeout) throws SQLException {
		Future<SlotStatus> read;
		synchronized (this) {
			if (this.pending == null || this.pending.isDone()) {
				this.pending = this.reader.submit(this::query);
			}
			read = this.pending;
		}
		try {
			return read.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			throw new SQLException("The database did not report the slot within " + timeout.toMillis() + " ms", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new SQLException("Interrupted while reading the slot's status", ex);
		}
		catch (java.util.concurrent.ExecutionException ex) {
			Throwable cause = ex.getCause();
			throw (cause instanceof SQLException sql) ? sql : new SQLException(cause);
		}
	}

	private SlotStatus query() throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(this.query)) {
			statement.setQueryTimeout(10);
			statement.setString(1, this.slot.name());
			try (ResultSet rs = statement.executeQuery()) {
				rs.next();
				String safe = rs.getString(6);
				return new SlotStatus(rs.getBoolean(7), rs.getBoolean(2), lsn(rs.getString(1)), lsn(rs.getString(3)),
						lsn(rs.getString(4)), rs.getString(5), (safe != null) ? Long.valueOf(safe) : null,
						rs.getLong(8), Instant.now());
			}
		}
	}

	private static Lsn lsn(String text) {
		return (text != null) ? Lsn.valueOf(text) : Lsn.ZERO;
	}

	@Override
	public void close() {
		this.reader.shutdownNow();
	}

}
