package dev.pgoutbox.replication;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;

import org.postgresql.PGConnection;

import dev.pgoutbox.schema.AutoCommitDataSource;
import dev.pgoutbox.schema.MessageStore;
import dev.pgoutbox.schema.OutboxTable;
import dev.pgoutbox.schema.SqlIdentifier;

/**
 * Checks before the relay starts that it can run: the login may open a replication
 * connection, and the slot is usable or can be created. Each problem becomes a
 * {@link ReplicationSetupException} that says how to fix it, so that a misconfigured
 * application fails at startup instead of retrying in the background.
 */
public final class ReplicationPreflight {

	private final ReplicationConnector connector;

	private final DataSource dataSource;

	private final SqlIdentifier slot;

	private final List<SlotCatalog> catalogs;

	private final StoreSettings store;

	public ReplicationPreflight(ReplicationConnector connector, DataSource dataSource, SqlIdentifier slot) {
		this(connector, dataSource, List.of(slot), null, null);
	}

	/**
	 * Creates the checks of an outbox.
	 * @param connector opens the replication connection
	 * @param dataSource ordinary connections
	 * @param slots the slots of every partition, the first checked for room to be created
	 * @param table the outbox table, whose slot-state table records the slots the outbox
	 * created; {@code null} to skip the store's checks
	 * @param store the store settings, {@code null} to skip the store's checks
	 */
	public ReplicationPreflight(ReplicationConnector connector, DataSource dataSource, List<SqlIdentifier> slots,
			OutboxTable table, StoreSettings store) {
		this.connector = connector;
		// the slots it creates are recorded, and must commit whatever the pool's
		// auto-commit default
		this.dataSource = AutoCommitDataSource.of(dataSource);
		this.slot = slots.get(0);
		this.catalogs = (table != null && store != null)
				? slots.stream().map((each) -> new SlotCatalog(table, each)).toList() : List.of();
		this.store = store;
	}

	/**
	 * Runs the checks.
	 * @throws ReplicationSetupException naming the problem and its fix
	 */
	public void check() {
		checkReplicationLogin();
		try (Connection connection = this.dataSource.getConnection()) {
			checkSlot(connection);
			checkStore(connection);
		}
		catch (SQLException ex) {
			throw new ReplicationSetupException("Could not inspect replication slots: " + ex.getMessage(),
					"Check that the database is reachable with the application's DataSource.", ex);
		}
	}

	private void checkReplicationLogin() {
		String user = (this.connector.username() != null) ? this.connector.username() : "(driver default)";
		try {
			PGConnection connection = this.connector.open();
			((Connection) connection).close();
		}
		catch (SQLException ex) {
			String state = (ex.getSQLState() != null) ? ex.getSQLState() : "";
			String message = (ex.getMessage() != null) ? ex.getMessage() : ex.toString();
			if (state.equals("42501") || (state.equals("28000") && message.contains("replication role"))) {
				throw new ReplicationSetupException(
						"The login '" + user + "' may not open a replication connection: it lacks the REPLICATION "
								+ "attribute.",
						"Run ALTER ROLE " + user + " WITH REPLICATION; (on Amazon RDS/Aurora: GRANT rds_replication TO "
								+ user + ";), or set outbox.replication.username/password to a login that has it.",
						ex);
			}
			if (state.equals("28P01")) {
				throw new ReplicationSetupException(
						"Password authentication failed for the replication login '" + user + "'.",
						"Check outbox.replication.password (or spring.datasource.password).", ex);
			}
			if (state.equals("28000")) {
				throw new ReplicationSetupException(
						"The server refused a replication connection for '" + user + "': " + message,
						"Allow it in pg_hba.conf: logical replication connections match the database name, "
								+ "not the keyword 'replication'.",
						ex);
			}
			if (state.equals("53300")) {
				throw new ReplicationSetupException("The server has no free WAL sender for the relay: " + message,
						"Raise max_wal_senders (a restart is needed) or stop unused replication connections.", ex);
			}
			throw new ReplicationSetupException("Could not open a replication connection as '" + user + "': " + message,
					"Check outbox.replication.url, username and password, and that the server accepts "
							+ "replication connections.",
					ex);
		}
	}

	private void checkStore(Connection connection) throws SQLException {
		if (this.store == null) {
			return;
		}
		int version = connection.getMetaData().getDatabaseMajorVersion();
		if (this.store.store() == MessageStore.WAL && version < 14) {
			throw new ReplicationSetupException(
					"outbox.store=wal needs PostgreSQL 14 or later, where pgoutput sends logical decoding messages; "
							+ "the server is version " + version + ".",
					"Set outbox.store=table, or upgrade PostgreSQL.", null);
		}
		if (this.store.failover() && version < 17) {
			throw new ReplicationSetupException(
					"outbox.replication.failover=true needs PostgreSQL 17 or later; the server is version " + version
							+ ".",
					"Set outbox.replication.failover=false, or upgrade PostgreSQL.", null);
		}
		for (SlotCatalog catalog : this.catalogs) {
			SlotCatalog.SlotInfo existing = catalog.find(connection);
			String lost = catalog.lostSlotReason(connection, existing, this.store);
			if (lost == null && existing == null && this.store.store() == MessageStore.WAL) {
				// now, not when a relay first connects: a message published before its
				// slot exists is kept by nothing, and some partitions may not be served
				// yet
				catalog.create(connection, this.store.failover());
				continue;
			}
			if (lost != null) {
				throw new ReplicationSetupException(lost + ".",
						"Find out why the slot went (a failover to a standby without failover slots, a manual drop, "
								+ "max_slot_wal_keep_size), recover the messages if you can, then start once with "
								+ "outbox.replication.recreate-lost-slot=true.",
						null);
			}
		}
	}

	private void checkSlot(Connection connection) throws SQLException {
		SlotCatalog.SlotInfo existing = SlotCatalog.find(connection, this.slot);
		if (existing != null) {
			String unusable = existing.unusableReason(this.slot, connection.getCatalog());
			if (unusable != null) {
				throw new ReplicationSetupException(unusable + ".",
						"Set outbox.replication.slot-name to a name of this application's own, or drop the slot if "
								+ "nothing uses it.",
						null);
			}
			return;
		}
		try (Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT (SELECT count(*) FROM pg_catalog.pg_replication_slots), "
						+ "current_setting('max_replication_slots')::int, "
						+ "(SELECT string_agg(slot_name, ', ') FROM pg_catalog.pg_replication_slots WHERE NOT active)")) {
			rs.next();
			long used = rs.getLong(1);
			int max = rs.getInt(2);
			if (used >= max) {
				String inactive = rs.getString(3);
				throw new ReplicationSetupException(
						"All " + max + " replication slots of the server are in use, so the "
								+ "relay cannot create slot '" + this.slot + "'."
								+ ((inactive != null) ? " Inactive slots: " + inactive + "." : ""),
						"Raise max_replication_slots (a restart is needed), or drop a slot no one uses with "
								+ "SELECT pg_drop_replication_slot('name');",
						null);
			}
		}
	}

}
