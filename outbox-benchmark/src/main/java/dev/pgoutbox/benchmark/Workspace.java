package dev.pgoutbox.benchmark;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;

/**
 * One scenario's corner of the database: its own schema (outbox table included),
 * publication and replication slots, dropped before and after the scenario so that runs
 * never see each other's data.
 */
final class Workspace implements AutoCloseable {

	private final BenchmarkServer server;

	private final HikariDataSource admin;

	private static final String COLUMNS = " (id, type, msg_key, payload)";

	private final String schema;

	private final String code;

	/**
	 * Creates a workspace.
	 * @param name names the schema, {@code bench_<name>}
	 * @param code names the relay's slot: short, so that the relay's thread names
	 * ({@code outbox-<slot>-relay}) stay apart in the 15 characters Linux keeps of them
	 */
	Workspace(BenchmarkServer server, String name, String code) {
		this.server = server;
		this.admin = server.dataSource(2);
		this.schema = "bench_" + name.replace('-', '_');
		this.code = code;
	}

	String name() {
		return this.schema.substring("bench_".length());
	}

	String code() {
		return this.code;
	}

	String schema() {
		return this.schema;
	}

	String table() {
		return this.schema + ".outbox";
	}

	String publication() {
		return this.schema + "_pub";
	}

	String relaySlot() {
		return this.code;
	}

	String floorSlot() {
		return this.code + "_floor";
	}

	BenchmarkServer server() {
		return this.server;
	}

	HikariDataSource admin() {
		return this.admin;
	}

	/**
	 * Returns the Spring Boot properties of a relay working in this workspace.
	 */
	Map<String, Object> relayProperties() {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("spring.datasource.url", this.server.url());
		properties.put("spring.datasource.username", this.server.username());
		if (this.server.password() != null) {
			properties.put("spring.datasource.password", this.server.password());
		}
		properties.put("outbox.schema", this.schema);
		properties.put("outbox.replication.slot-name", relaySlot());
		properties.put("outbox.replication.publication-name", publication());
		return properties;
	}

	/** Drops whatever an earlier run left and creates the empty schema. */
	Workspace reset() throws SQLException {
		dropAll();
		execute("CREATE SCHEMA " + this.schema);
		return this;
	}

	void createFloorSlot() throws SQLException {
		execute("SELECT pg_create_logical_replication_slot('" + floorSlot() + "', 'pgoutput')");
	}

	/**
	 * Writes {@code count} outbox rows on the server, each in a transaction of its own,
	 * committed asynchronously to write the backlog fast (the WAL is the same).
	 */
	void writeOneRowTransactions(int first, int count, int keys) throws SQLException {
		execute("CREATE OR REPLACE PROCEDURE " + this.schema + ".write_backlog(first_row int, row_count int) "
				+ "LANGUAGE plpgsql AS $$ BEGIN FOR g IN first_row .. first_row + row_count - 1 LOOP " + "INSERT INTO "
				+ table() + COLUMNS + " VALUES (" + rowValues("g", keys) + "); COMMIT; " + "END LOOP; END $$");
		try (Connection connection = this.admin.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("SET synchronous_commit = off");
			try {
				statement.execute("CALL " + this.schema + ".write_backlog(" + first + ", " + count + ")");
			}
			finally {
				statement.execute("RESET synchronous_commit");
			}
		}
	}

	/**
	 * Writes {@code count} outbox rows in one transaction.
	 * @return a WAL position inside the transaction, which the slot passes once it is
	 * delivered
	 */
	String writeOneTransaction(int first, int count, int keys) throws SQLException {
		try (Connection connection = this.admin.getConnection(); Statement statement = connection.createStatement()) {
			connection.setAutoCommit(false);
			statement.execute("INSERT INTO " + table() + COLUMNS + " SELECT " + rowValues("g", keys)
					+ " FROM generate_series(" + first + ", " + (first + count - 1) + ") AS g");
			try (ResultSet rs = statement.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
				rs.next();
				String inside = rs.getString(1);
				connection.commit();
				return inside;
			}
			finally {
				connection.setAutoCommit(true);
			}
		}
	}

	/**
	 * Returns whether the relay's slot has confirmed a position past {@code lsn}.
	 */
	boolean relaySlotConfirmedPast(String lsn) throws SQLException {
		try (Connection connection = this.admin.getConnection();
				PreparedStatement statement = connection.prepareStatement(
						"SELECT confirmed_flush_lsn > ?::pg_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, lsn);
			statement.setString(2, relaySlot());
			try (ResultSet rs = statement.executeQuery()) {
				return rs.next() && rs.getBoolean(1);
			}
		}
	}

	/** Returns the number of rows in the outbox table. */
	long outboxRows() throws SQLException {
		try (Connection connection = this.admin.getConnection();
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT count(*) FROM " + table())) {
			rs.next();
			return rs.getLong(1);
		}
	}

	/** The values of one row numbered {@code row}, as an SQL select list. */
	private static String rowValues(String row, int keys) {
		String key = "lpad((" + row + " % " + keys + ")::text, 5, '0')";
		return "('00000000-0000-7000-8000-' || lpad(to_hex(" + row + "), 12, '0'))::uuid, '" + Payloads.TYPE
				+ "', 'customer-' || " + key + ", format('" + Payloads.TEMPLATE + "', lpad(" + row
				+ "::text, 10, '0'), " + key + ", lpad((" + row + " % 100000)::text, 5, '0'))::json";
	}

	/**
	 * Returns the process id of the walsender serving a slot, or 0 if none.
	 */
	int walsenderPid(String slot) throws SQLException {
		try (Connection connection = this.admin.getConnection();
				PreparedStatement statement = connection
					.prepareStatement("SELECT active_pid FROM pg_replication_slots WHERE slot_name = ?")) {
			statement.setString(1, slot);
			try (ResultSet rs = statement.executeQuery()) {
				return rs.next() ? rs.getInt(1) : 0;
			}
		}
	}

	void execute(String sql) throws SQLException {
		try (Connection connection = this.admin.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	private void dropAll() throws SQLException {
		dropSlot(relaySlot());
		dropSlot(floorSlot());
		execute("DROP PUBLICATION IF EXISTS " + publication());
		execute("DROP SCHEMA IF EXISTS " + this.schema + " CASCADE");
	}

	/** Drops a slot, waiting for its walsender to go away first. */
	void dropSlot(String slot) throws SQLException {
		long deadline = System.nanoTime() + 30_000_000_000L;
		while (true) {
			try (Connection connection = this.admin.getConnection();
					PreparedStatement statement = connection.prepareStatement(
							"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
				statement.setString(1, slot);
				statement.execute();
				return;
			}
			catch (SQLException ex) {
				// 55006: the slot is still active while its walsender shuts down
				if (!"55006".equals(ex.getSQLState()) || System.nanoTime() > deadline) {
					throw ex;
				}
				Pause.millis(100);
			}
		}
	}

	@Override
	public void close() throws SQLException {
		try {
			dropAll();
		}
		finally {
			this.admin.close();
		}
	}

}
