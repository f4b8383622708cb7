package dev.pgoutbox.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

import org.awaitility.Awaitility;

import org.springframework.context.ApplicationContext;

import dev.pgoutbox.Lsn;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.autoconfigure.OutboxRelayLifecycle;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayState;

/**
 * Looks into a running relay and its slot, for assertions.
 */
public final class Probes {

	private Probes() {
	}

	/** Waits until the context's relay is in the given state and returns it. */
	public static Relay awaitState(ApplicationContext context, RelayState state, Duration timeout) {
		OutboxRelayLifecycle lifecycle = context.getBean(OutboxRelayLifecycle.class);
		Awaitility.await()
			.atMost(timeout)
			.pollInterval(Duration.ofMillis(20))
			.until(() -> lifecycle.getRelay() != null && lifecycle.getRelay().state() == state);
		return lifecycle.getRelay();
	}

	/**
	 * The slot's confirmed position as the server holds it, {@link Lsn#ZERO} if the slot
	 * is missing.
	 */
	public static Lsn slotConfirmed(DataSource dataSource, String slot) {
		String value = TestPostgres.queryForString(dataSource,
				"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
		return (value != null) ? Lsn.valueOf(value) : Lsn.ZERO;
	}

	/** The server's current WAL insert position. */
	public static Lsn currentWal(DataSource dataSource) {
		return Lsn.valueOf(TestPostgres.queryForString(dataSource, "SELECT pg_current_wal_lsn()::text"));
	}

	/**
	 * For each key, the payloads of the first delivery of each message, in arrival order:
	 * what "order per key among first deliveries" is judged on.
	 */
	public static Map<String, List<String>> firstDeliveriesByKey(List<OutboxMessage> received) {
		Map<String, List<String>> byKey = new LinkedHashMap<>();
		java.util.Set<java.util.UUID> seen = new java.util.HashSet<>();
		for (OutboxMessage message : received) {
			if (seen.add(message.id())) {
				byKey.computeIfAbsent(message.key(), (key) -> new ArrayList<>()).add(message.payload());
			}
		}
		return byKey;
	}

	/** The number in a payload such as {@code {"n":12}}. */
	public static int numberIn(String payload) {
		return Integer.parseInt(payload.replaceAll("\\D", ""));
	}

}
