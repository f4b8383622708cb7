package dev.pgoutbox.replication;

import java.sql.SQLException;

/**
 * The WAL store's slot is gone or invalidated, and the relay will not replace it without
 * being told: what the slot had not confirmed is lost. The message says what happened and
 * what to do.
 */
public class LostSlotException extends SQLException {

	LostSlotException(String message) {
		super(message);
	}

}
