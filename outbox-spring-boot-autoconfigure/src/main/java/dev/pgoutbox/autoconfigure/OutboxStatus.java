package dev.pgoutbox.autoconfigure;

import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import dev.pgoutbox.replication.OutboxRelay;
import dev.pgoutbox.replication.RelayState;
import dev.pgoutbox.replication.RelayStatistics;
import dev.pgoutbox.replication.SlotMonitor;
import dev.pgoutbox.replication.SlotStatus;

/**
 * One reading of the relay and its slot, as health and the {@code outbox} endpoint show
 * it: no secrets, positions in the server's text form.
 *
 * @param state the relay's state
 * @param slotStatus the slot as the server reports it, {@code null} if it could not be read
 * @param slotError why the slot could not be read, {@code null} if it was
 * @param details everything, ready to show
 */
public record OutboxStatus(RelayState state, SlotStatus slotStatus, String slotError, Map<String, Object> details) {

	/**
	 * Reads the status now, waiting at most {@code timeout} for the database.
	 */
	static OutboxStatus read(OutboxRelayLifecycle lifecycle, SlotMonitor monitor, OutboxProperties properties,
			Duration timeout) {
		OutboxRelay relay = lifecycle.getRelay();
		RelayState state = (relay != null) ? relay.state() : RelayState.NEW;
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("state", state.name().toLowerCase(Locale.ROOT));
		details.put("slot", properties.getReplication().getSlotName());
		details.put("publication", properties.getReplication().getPublicationName());
		SlotStatus slot = null;
		String slotError = null;
		try {
			slot = monitor.read(timeout);
			details.put("slotExists", slot.exists());
			details.put("currentWalLsn", slot.currentWal().asString());
			if (slot.exists()) {
				details.put("confirmedFlushLsn", slot.confirmedFlush().asString());
				details.put("restartLsn", slot.restart().asString());
				details.put("lagBytes", slot.lagBytes());
				details.put("retainedWalBytes", slot.retainedBytes());
				if (slot.walStatus() != null) {
					details.put("walStatus", slot.walStatus());
				}
				if (slot.safeWalSize() != null) {
					details.put("safeWalSizeBytes", slot.safeWalSize());
				}
			}
			details.put("parked", slot.deadLetters());
		}
		catch (SQLException ex) {
			slotError = describe(ex);
			details.put("slotError", slotError);
		}
		if (relay != null) {
			RelayStatistics statistics = relay.statistics();
			details.put("paused", relay.isPaused());
			details.put("buffered", relay.held());
			details.put("inFlight", relay.inFlight());
			details.put("delivered", statistics.delivered());
			details.put("publishFailures", statistics.publishFailures());
			details.put("reconnects", statistics.reconnects());
			if (statistics.lastDeliveryAt() != null) {
				details.put("lastDeliveryAt", statistics.lastDeliveryAt().toString());
			}
			if (relay.lastError() != null) {
				details.put("lastError", describe(relay.lastError()));
			}
		}
		return new OutboxStatus(state, slot, slotError, details);
	}

	private static String describe(Throwable ex) {
		String message = (ex.getMessage() != null) ? ": " + ex.getMessage() : "";
		// should a message ever carry a URL, its password goes no further
		return ex.getClass().getSimpleName() + message.replaceAll("(?i)(password=)[^&\\s]*", "$1******");
	}

}
