package dev.pgoutbox.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;

import dev.pgoutbox.Lsn;
import dev.pgoutbox.schema.OutboxPartition;
import dev.pgoutbox.schema.OutboxSchema;
import dev.pgoutbox.schema.OutboxTable;

/**
 * Reads a partition's {@link SlotStatus}, slot and dead letters, from the server within a
 * time limit, so that health checks and metrics never hang on a dead database. One read
 * runs at a time; a caller arriving while one is under way waits for it rather than
 * starting another. {@link #readAll} asks several monitors at once, so that one limit
 * bounds them all.
 *
 * <p>
 * Thread-safe.
 */
public final class SlotMonitor implements AutoCloseable {

	private final String query;

	private final DataSource dataSource;

	private final OutboxPartition partition;

	private final ExecutorService reader = Executors.newSingleThreadExecutor((task) -> {
		Thread thread = new Thread(task, "outbox-slot-monitor");
		thread.setDaemon(true);
		return thread;
	});

	private Future<SlotStatus> pending;

	/**
	 * Creates a monitor.
	 * @param dataSource connections to the outbox's database
	 * @param partition the partition whose slot is watched and whose dead letters are
	 * counted: with a partition that reads every row, all of them
	 * @param table the outbox table, whose dead letters are counted
	 */
	public SlotMonitor(DataSource dataSource, OutboxPartition partition, OutboxTable table) {
		if (dataSource == null || partition == null || table == null) {
			throw new IllegalArgumentException("'dataSource', 'partition' and 'table' must not be null");
		}
		this.dataSource = dataSource;
		this.partition = partition;
		// a partition's dead letters are its own, so that per-partition counts add up to
		// the table's
		String deadLetters = "SELECT count(*) FROM " + OutboxSchema.qualifiedDeadLetterTable(table)
				+ (partition.filtered() ? " WHERE partition_key = ?" : "");
		// a failover slot is safe to fail over with once every standby named in
		// synchronized_standby_slots has received WAL up to its confirmed position
		String standbys = "regexp_split_to_array(nullif(current_setting('synchronized_standby_slots', true), ''), "
				+ "'\\s*,\\s*')";
		this.query = "SELECT pg_current_wal_lsn()::text, s.active, s.confirmed_flush_lsn::text, s.restart_lsn::text, "
				+ "to_jsonb(s) ->> 'wal_status', to_jsonb(s) ->> 'safe_wal_size', s.slot_name IS NOT NULL, ("
				+ deadLetters + "), coalesce((to_jsonb(s) ->> 'failover')::boolean, false), "
				+ "array_to_string(w.names, ','), (SELECT count(*) FILTER (WHERE p.active AND p.restart_lsn >= "
				+ "s.confirmed_flush_lsn) = cardinality(w.names) FROM pg_catalog.pg_replication_slots p "
				+ "WHERE p.slot_name = ANY (w.names)) FROM (SELECT 1) AS one LEFT JOIN "
				+ "pg_catalog.pg_replication_slots s ON s.slot_name = ? CROSS JOIN LATERAL (SELECT " + standbys
				+ " AS names) AS w";
	}

	/**
	 * Returns the slot's status as the server reports it now.
	 * @param timeout the longest wait
	 * @return the status
	 * @throws SQLException if the server could not be asked or did not answer in time
	 */
	public SlotStatus read(Duration timeout) throws SQLException {
		return await(start(), System.nanoTime() + timeout.toNanos(), timeout);
	}

	/**
	 * Reads the slots of several monitors at once and waits for them together, so that
	 * {@code timeout} bounds the whole: a dead database costs one timeout, not one per
	 * slot.
	 * @param <K> what the monitors are known by
	 * @param monitors the monitors
	 * @param timeout the longest wait for all of them
	 * @return per monitor, in the given order, its status or why it could not be read
	 */
	public static <K> Map<K, SlotReading> readAll(Map<K, SlotMonitor> monitors, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		Map<K, Future<SlotStatus>> reads = new LinkedHashMap<>();
		monitors.forEach((key, monitor) -> reads.put(key, monitor.start()));
		Map<K, SlotReading> readings = new LinkedHashMap<>();
		reads.forEach((key, read) -> {
			try {
				readings.put(key, SlotReading.of(await(read, deadline, timeout)));
			}
			catch (SQLException ex) {
				readings.put(key, SlotReading.failed(ex));
			}
		});
		return readings;
	}

	private Future<SlotStatus> start() {
		synchronized (this) {
			if (this.pending == null || this.pending.isDone()) {
				this.pending = this.reader.submit(this::query);
			}
			return this.pending;
		}
	}

	private static SlotStatus await(Future<SlotStatus> read, long deadline, Duration timeout) throws SQLException {
		try {
			// a read already done is taken even once the deadline has passed
			return read.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			throw new SQLException("The database did not report the slot within " + timeout.toMillis() + " ms", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new SQLException("Interrupted while reading the slot's status", ex);
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			throw (cause instanceof SQLException sql) ? sql : new SQLException(cause);
		}
	}

	private SlotStatus query() throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(this.query)) {
			statement.setQueryTimeout(10);
			int parameter = 1;
			if (this.partition.filtered()) {
				statement.setString(parameter++, this.partition.key());
			}
			statement.setString(parameter, this.partition.slot().name());
			try (ResultSet rs = statement.executeQuery()) {
				rs.next();
				String safe = rs.getString(6);
				return new SlotStatus(rs.getBoolean(7), rs.getBoolean(2), lsn(rs.getString(1)), lsn(rs.getString(3)),
						lsn(rs.getString(4)), rs.getString(5), (safe != null) ? Long.valueOf(safe) : null,
						rs.getLong(8), Instant.now(), rs.getBoolean(9), rs.getString(10), (Boolean) rs.getObject(11));
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
