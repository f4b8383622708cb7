package dev.pgoutbox.replication;

import dev.pgoutbox.schema.MessageStore;
import dev.pgoutbox.schema.OutboxTable;
import dev.pgoutbox.schema.WalMessageFormat;

/**
 * Which store messages are written to, and how the relay guards its slot.
 *
 * <p>
 * The relay reads both stores whichever is chosen, so that switching loses nothing: rows
 * still in the table and messages still in the slot are both delivered.
 *
 * @param store where {@code publish} writes; in {@link MessageStore#WAL} a slot that this
 * outbox created and that is now missing or invalidated is not created again unless
 * {@code recreateLostSlot} says so, since the messages it had not confirmed are gone
 * @param walPrefix the prefix of this outbox's logical decoding messages
 * @param failover whether the slot is a failover slot, synchronized to standbys
 * (PostgreSQL 17 and later)
 * @param recreateLostSlot whether a lost slot may be created again in the WAL store
 */
public record StoreSettings(MessageStore store, String walPrefix, boolean failover, boolean recreateLostSlot) {

	public StoreSettings {
		if (store == null) {
			throw new IllegalArgumentException("'store' must not be null");
		}
		WalMessageFormat.checkPrefix(walPrefix, "outbox.wal.prefix");
	}

	/**
	 * Returns the settings of the table store with the default prefix, no failover slot.
	 * @param table the outbox table
	 * @return the settings
	 */
	public static StoreSettings table(OutboxTable table) {
		return new StoreSettings(MessageStore.TABLE, WalMessageFormat.defaultPrefix(table), false, false);
	}

	/**
	 * Returns whether a slot that existed and is gone must not be replaced.
	 * @return {@code true} in the WAL store unless told to recreate it
	 */
	boolean guardsLostSlot() {
		return this.store == MessageStore.WAL && !this.recreateLostSlot;
	}

}
