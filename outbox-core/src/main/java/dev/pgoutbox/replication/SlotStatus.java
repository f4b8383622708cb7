package dev.pgoutbox.replication;

import java.time.Instant;

import dev.pgoutbox.Lsn;

/**
 * What the server reports of a slot at one moment: its positions against the server's
 * current WAL position, and whether the server still keeps the WAL it needs.
 *
 * @param exists whether the slot exists
 * @param active whether a walsender is using it
 * @param currentWal the server's current WAL write position
 * @param confirmedFlush the position the relay confirmed, {@link Lsn#ZERO} if none
 * @param restart the oldest position the slot still needs, {@link Lsn#ZERO} if none
 * @param walStatus {@code reserved}, {@code extended}, {@code unreserved} or
 * {@code lost}; {@code null} before PostgreSQL 13
 * @param safeWalSize bytes of WAL that can still be written before the slot is in danger
 * of being lost, {@code null} when unlimited or unknown
 * @param deadLetters the partition's messages parked in the dead-letter table
 * @param readAt when it was read
 * @param failover whether it is a failover slot, which standbys with
 * {@code sync_replication_slots} copy (PostgreSQL 17 and later)
 * @param standbySlots the server's {@code synchronized_standby_slots}: the physical slots
 * of the standbys a failover slot waits for, {@code null} if none or before PostgreSQL 17
 * @param standbysCaughtUp whether every slot in {@code standbySlots} is active and has
 * received WAL up to this slot's confirmed position, which a standby needs to have
 * synchronized it; {@code null} without {@code standbySlots}. Only the standby's own
 * {@code pg_replication_slots.synced} proves the copy exists.
 */
public record SlotStatus(boolean exists, boolean active, Lsn currentWal, Lsn confirmedFlush, Lsn restart,
		String walStatus, Long safeWalSize, long deadLetters, Instant readAt, boolean failover, String standbySlots,
		Boolean standbysCaughtUp) {

	/**
	 * Creates a status of a slot that is no failover slot.
	 */
	public SlotStatus(boolean exists, boolean active, Lsn currentWal, Lsn confirmedFlush, Lsn restart, String walStatus,
			Long safeWalSize, long deadLetters, Instant readAt) {
		this(exists, active, currentWal, confirmedFlush, restart, walStatus, safeWalSize, deadLetters, readAt, false,
				null, null);
	}

	/**
	 * Returns the bytes of WAL between the server's position and the confirmed one: what
	 * the relay has yet to deliver or confirm.
	 * @return the lag in bytes
	 */
	public long lagBytes() {
		return this.exists ? this.currentWal.bytesSince(this.confirmedFlush) : 0;
	}

	/**
	 * Returns the bytes of WAL the server keeps for the slot.
	 * @return the retained WAL in bytes
	 */
	public long retainedBytes() {
		return this.exists ? this.currentWal.bytesSince(this.restart) : 0;
	}

	/**
	 * Returns whether the server has removed WAL the slot still needed.
	 * @return {@code true} if the slot is lost
	 */
	public boolean isLost() {
		return "lost".equals(this.walStatus);
	}

}
