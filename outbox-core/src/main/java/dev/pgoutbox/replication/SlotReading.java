package dev.pgoutbox.replication;

import java.sql.SQLException;

/**
 * One monitor's part of {@link SlotMonitor#readAll}: the slot's status, or why it could
 * not be read in time.
 *
 * @param status the status, {@code null} if it could not be read
 * @param failure why it could not be read, {@code null} if it was
 */
public record SlotReading(SlotStatus status, SQLException failure) {

	static SlotReading of(SlotStatus status) {
		return new SlotReading(status, null);
	}

	static SlotReading failed(SQLException failure) {
		return new SlotReading(null, failure);
	}

	/**
	 * Returns the status.
	 * @return the status
	 * @throws SQLException if it could not be read
	 */
	public SlotStatus get() throws SQLException {
		if (this.failure != null) {
			throw this.failure;
		}
		return this.status;
	}

}
