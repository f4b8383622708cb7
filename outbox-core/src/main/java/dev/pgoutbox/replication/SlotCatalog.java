package dev.pgoutbox.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import dev.pgoutbox.Lsn;
import dev.pgoutbox.schema.OutboxTable;
import dev.pgoutbox.schema.SqlIdentifier;

/**
 * Reads and changes what the server and the slot-state table know of one replication
 * slot, over an ordinary connection.
 *
 * <p>
 * Immutable and thread-safe; each call uses the connection it is given.
 */
final class SlotCatalog {

	private final SqlIdentifier slot;

	private final String markSql;

	private final String pendingSql;

	private final String savePositionSql;

	private final String positionSql;

	SlotCatalog(OutboxTable table, SqlIdentifier slot) {
		this.slot = slot;
		// GREATEST: a relay that hands the slot over must not move a newer position back
		this.savePositionSql = "INSERT INTO " + table.qualifiedSlotState()
				+ " (slot_name, backfill_pending, updated_at, confirmed_lsn) VALUES (?, false, now(), ?::pg_lsn) "
				+ "ON CONFLICT (slot_name) DO UPDATE SET confirmed_lsn = GREATEST(" + table.qualifiedSlotState()
				+ ".confirmed_lsn, EXCLUDED.confirmed_lsn), updated_at = now()";
		this.positionSql = "SELECT confirmed_lsn::text FROM " + table.qualifiedSlotState() + " WHERE slot_name = ?";
		this.markSql = "INSERT INTO " + table.qualifiedSlotState() + " (slot_name, backfill_pending, updated_at) "
				+ "VALUES (?, ?, now()) ON CONFLICT (slot_name) DO UPDATE "
				+ "SET backfill_pending = EXCLUDED.backfill_pending, updated_at = now()";
		this.pendingSql = "SELECT backfill_pending FROM " + table.qualifiedSlotState() + " WHERE slot_name = ?";
	}

	/**
	 * What the server reports of the slot.
	 *
	 * @param plugin the output plugin
	 * @param database the database the slot belongs to
	 * @param confirmedFlush the confirmed position, {@link Lsn#ZERO} if none
	 * @param walStatus the {@code wal_status}, {@code null} before PostgreSQL 13
	 * @param failover whether it is a failover slot, {@code false} before PostgreSQL 17
	 */
	record SlotInfo(String plugin, String database, Lsn confirmedFlush, String walStatus, boolean failover) {

		boolean isLost() {
			return "lost".equals(this.walStatus);
		}

		/**
		 * Returns why the outbox cannot use this slot from {@code database}, or
		 * {@code null} if it can.
		 */
		String unusableReason(SqlIdentifier slot, String database) {
			if (!"pgoutput".equals(this.plugin)) {
				return "Replication slot '" + slot + "' exists with output plugin '" + this.plugin
						+ "', but the outbox needs pgoutput";
			}
			if (!database.equals(this.database)) {
				return "Replication slot '" + slot + "' belongs to database '" + this.database + "', not '" + database
						+ "'; slot names are shared by the whole server";
			}
			return null;
		}

	}

	/**
	 * Returns the slot, or {@code null} if it does not exist.
	 */
	SlotInfo find(Connection connection) throws SQLException {
		return find(connection, this.slot);
	}

	/**
	 * Returns the named slot, or {@code null} if it does not exist.
	 */
	static SlotInfo find(Connection connection, SqlIdentifier slot) throws SQLException {
		try (PreparedStatement statement = connection
			.prepareStatement("SELECT plugin, database, confirmed_flush_lsn::text, to_jsonb(s) ->> 'wal_status', "
					+ "coalesce((to_jsonb(s) ->> 'failover')::boolean, false) "
					+ "FROM pg_catalog.pg_replication_slots s WHERE slot_name = ?")) {
			statement.setString(1, slot.name());
			try (ResultSet rs = statement.executeQuery()) {
				if (!rs.next()) {
					return null;
				}
				String confirmed = rs.getString(3);
				return new SlotInfo(rs.getString(1), rs.getString(2),
						(confirmed != null) ? Lsn.valueOf(confirmed) : Lsn.ZERO, rs.getString(4), rs.getBoolean(5));
			}
		}
	}

	/**
	 * Creates the slot over SQL, without exporting a snapshot, and records it with its
	 * table read pending, so that the relay reads the table once when it connects. Does
	 * nothing if the slot was created meanwhile by another instance.
	 * @param failover whether to create a failover slot (PostgreSQL 17 and later)
	 * @return whether this call created it
	 */
	boolean create(Connection connection, boolean failover) throws SQLException {
		String sql = failover
				? "SELECT lsn::text FROM pg_create_logical_replication_slot(?, 'pgoutput', false, false, true)"
				: "SELECT lsn::text FROM pg_create_logical_replication_slot(?, 'pgoutput')";
		try (PreparedStatement statement = connection.prepareStatement(sql)) {
			statement.setString(1, this.slot.name());
			statement.executeQuery().close();
		}
		catch (SQLException ex) {
			if ("42710".equals(ex.getSQLState())) {
				return false;
			}
			throw ex;
		}
		markBackfill(connection, true);
		return true;
	}

	/**
	 * Drops the slot; fails with SQLSTATE 55006 if another connection is using it.
	 */
	void drop(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
			statement.setString(1, this.slot.name());
			statement.execute();
		}
	}

	/**
	 * Returns whether the slot-state table has an entry for the slot: the relay made one
	 * when it created the slot.
	 */
	boolean isRecorded(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(this.pendingSql)) {
			statement.setString(1, this.slot.name());
			try (ResultSet rs = statement.executeQuery()) {
				return rs.next();
			}
		}
	}

	/**
	 * Returns why, in the WAL store, the relay must not create the slot again, or
	 * {@code null} if it may: a slot this outbox created is gone or was invalidated, and
	 * with it the messages it had not confirmed.
	 * @param connection an ordinary connection
	 * @param existing the slot as the server reports it, {@code null} if missing
	 * @param store the store settings
	 * @return the reason, with what to do, or {@code null}
	 */
	String lostSlotReason(Connection connection, SlotInfo existing, StoreSettings store) throws SQLException {
		if (!store.guardsLostSlot() || (existing != null && !existing.isLost())) {
			return null;
		}
		if (existing == null && !isRecorded(connection)) {
			// never created: the first start of this outbox
			return null;
		}
		Lsn saved = savedPosition(connection);
		String what = (existing == null)
				? "was created by this outbox and no longer exists (it was dropped, or the server is a promoted "
						+ "standby that did not have it)"
				: "was invalidated (wal_status=lost): the server removed WAL it still needed, see "
						+ "max_slot_wal_keep_size";
		return "Replication slot '" + this.slot + "' " + what + ". With outbox.store=wal the slot held the only copy "
				+ "of the messages it had not confirmed"
				+ (saved.equals(Lsn.ZERO) ? "" : " (confirmed up to " + saved.asString() + ")")
				+ ": those not yet delivered are lost, and the relay does not replace the slot silently. "
				+ "To accept the loss and go on, start once with outbox.replication.recreate-lost-slot=true";
	}

	/**
	 * Returns whether the slot's first read of the table began and did not finish.
	 */
	boolean isBackfillPending(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(this.pendingSql)) {
			statement.setString(1, this.slot.name());
			try (ResultSet rs = statement.executeQuery()) {
				return rs.next() && rs.getBoolean(1);
			}
		}
	}

	/**
	 * Returns the position the relay itself last recorded as confirmed, for servers that
	 * lose the slot's own at a clean shutdown (before PostgreSQL 17).
	 * @return the position, {@link Lsn#ZERO} if none is recorded
	 */
	Lsn savedPosition(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(this.positionSql)) {
			statement.setString(1, this.slot.name());
			try (ResultSet rs = statement.executeQuery()) {
				String position = rs.next() ? rs.getString(1) : null;
				return (position != null) ? Lsn.valueOf(position) : Lsn.ZERO;
			}
		}
	}

	/**
	 * Records the confirmed position, never moving a recorded one back.
	 */
	void savePosition(Connection connection, Lsn confirmed) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(this.savePositionSql)) {
			statement.setString(1, this.slot.name());
			statement.setString(2, confirmed.asString());
			statement.executeUpdate();
		}
	}

	/**
	 * Records whether the slot's first read of the table is still to finish.
	 */
	void markBackfill(Connection connection, boolean pending) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement(this.markSql)) {
			statement.setString(1, this.slot.name());
			statement.setBoolean(2, pending);
			statement.executeUpdate();
		}
	}

}
