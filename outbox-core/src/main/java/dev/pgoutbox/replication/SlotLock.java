package dev.pgoutbox.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import dev.pgoutbox.schema.SqlIdentifier;

/**
 * Elects the one instance that serves a slot: a session-level advisory lock, held on a
 * connection of its own for as long as the instance streams. When the holder stops or
 * dies its session ends, the lock is released and a standby instance takes it. The slot's
 * own exclusivity (SQLSTATE 55006) stays the safety net for the moment a dead holder's
 * walsender outlives its lock.
 *
 * <p>
 * Not thread-safe: owned by the relay's thread.
 */
final class SlotLock implements AutoCloseable {

	/**
	 * First half of the lock key, so that the outbox's locks do not collide with the
	 * application's.
	 */
	private static final String NAMESPACE = "dev.pgoutbox.slot";

	private final Connection connection;

	private SlotLock(Connection connection) {
		this.connection = connection;
	}

	/**
	 * Tries to take the lock of a slot on the given connection, which it then owns.
	 * @return the lock, or {@code null} if another session holds it (the connection is
	 * then closed)
	 */
	static SlotLock tryAcquire(Connection connection, SqlIdentifier slot) throws SQLException {
		boolean acquired;
		try (PreparedStatement statement = connection
			.prepareStatement("SELECT pg_try_advisory_lock(hashtext(?), hashtext(?))")) {
			statement.setString(1, NAMESPACE);
			statement.setString(2, slot.name());
			try (ResultSet rs = statement.executeQuery()) {
				acquired = rs.next() && rs.getBoolean(1);
			}
		}
		catch (SQLException ex) {
			connection.close();
			throw ex;
		}
		if (!acquired) {
			connection.close();
			return null;
		}
		return new SlotLock(connection);
	}

	/**
	 * Returns whether the lock is still held, that is whether its session is alive.
	 */
	boolean isHeld() {
		try {
			return this.connection.isValid(5);
		}
		catch (SQLException ex) {
			return false;
		}
	}

	@Override
	public void close() {
		try {
			// closing the session releases the lock
			this.connection.close();
		}
		catch (SQLException ex) {
			// the session is gone either way
		}
	}

}
