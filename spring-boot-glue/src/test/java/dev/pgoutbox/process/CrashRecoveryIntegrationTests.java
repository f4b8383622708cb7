package dev.pgoutbox.process;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import com.zaxxer.hikari.HikariDataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A relay process killed with {@code kill -9} in the middle of a delivery stream: after a
 * restart every message is delivered, each key's first deliveries are in commit order,
 * and duplicates are limited to what was in flight.
 */
class CrashRecoveryIntegrationTests {

	private static final int MESSAGES = 20_000;

	private static final int KEYS = 200;

	/** Small transactions, so that the confirmed position moves all along the stream. */
	private static final int PER_TRANSACTION = 10;

	private static final int CONCURRENCY = 8;

	private static final int BUFFER_SIZE = 1000;

	/**
	 * The broker's latency: a few thousand deliveries a second on 8 lanes. The relay
	 * tells the server a moved position within 20 ms, so what it delivered since then
	 * (tens of messages at this rate) is all that comes on top of what is in flight.
	 */
	private static final String PUBLISH_DELAY = "1ms";

	private static final Duration WAIT = Duration.ofSeconds(120);

	@Test
	void deliversEveryMessageAfterKillNineMidStreamInKeyOrderWithDuplicatesOnlyFromWhatWasInFlight() throws Exception {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		Map<UUID, Integer> sent;
		long loggedAtKill;
		String confirmedAtKill;
		long recoveryMillis;
		try (HikariDataSource dataSource = TestPostgres.dataSource(target.database())) {
			try (ForkedRelay first = ForkedRelay.start("crash-first", "256m", relayArgs(target, "first"))) {
				first.awaitReady(WAIT);
				// written while the relay streams, so that the stream (not the first read
				// of a new
				// slot) is what the kill interrupts
				CompletableFuture<Map<UUID, Integer>> writer = CompletableFuture.supplyAsync(() -> write(dataSource));
				Awaitility.await("a quarter of the messages at the broker")
					.atMost(WAIT)
					.pollInterval(Duration.ofMillis(10))
					.failFast("the first relay exited before it was killed", first::hasExited)
					.until(() -> logged(dataSource) >= MESSAGES / 4);
				assertThat(first.kill9()).as("exit code of %s", first).isEqualTo(ForkedRelay.KILLED_BY_SIGKILL);
				loggedAtKill = logged(dataSource);
				confirmedAtKill = confirmedOnceInactive(dataSource, target.slot());
				sent = writer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
			}
			assertThat(loggedAtKill).as("deliveries before the kill").isBetween(1L, MESSAGES - 1L);
			long secondStartedAt = System.nanoTime();
			try (ForkedRelay second = ForkedRelay.start("crash-second", "256m", relayArgs(target, "second"))) {
				Awaitility.await("every message at the broker")
					.atMost(WAIT)
					.pollInterval(Duration.ofMillis(50))
					.failFast("the second relay exited", second::hasExited)
					.until(() -> distinctLogged(dataSource) >= MESSAGES);
				recoveryMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - secondStartedAt);
				// a graceful stop lets the deliveries still in flight land before
				// counting
				second.stop(WAIT);
			}
			List<Delivery> log = readLog(dataSource);
			Crash crash = crash(dataSource, confirmedAtKill);
			report(sent, log, loggedAtKill, crash, recoveryMillis);
			assertDeliveries(sent, log);
			assertThat(crash.undeliveredBeforeConfirmed())
				.as("messages before the position confirmed at the kill that were not delivered before it")
				.isZero();
			assertThat(log.size() - log.stream().map(Delivery::id).distinct().count())
				.as("duplicates: exactly the first relay's deliveries past its confirmed position")
				.isEqualTo(crash.deliveredPastConfirmed());
		}
	}

	private static List<String> relayArgs(OutboxContexts.Target target, String runId) {
		List<String> args = ForkedRelay.connectionArgs(target);
		args.addAll(List.of("--relay.broker=log", "--relay.run-id=" + runId, "--relay.publish-delay=" + PUBLISH_DELAY,
				"--outbox.delivery.concurrency=" + CONCURRENCY, "--outbox.delivery.buffer-size=" + BUFFER_SIZE));
		return args;
	}

	/**
	 * Writes message {@code i} with key {@code key-(i % KEYS)} and sequence
	 * {@code i / KEYS}, in order, a few per transaction: the commit order of a key's
	 * messages is their sequence order.
	 * @return the sequence of each message, by id
	 */
	private static Map<UUID, Integer> write(HikariDataSource dataSource) {
		String insert = "INSERT INTO \"public\".\"outbox\" (id, type, msg_key, payload) "
				+ "SELECT gen_random_uuid(), 'Seq', 'key-' || (i % " + KEYS + "), json_build_object('seq', i / " + KEYS
				+ ")::json FROM generate_series(?, ?) AS i ORDER BY i RETURNING id, (payload->>'seq')::int";
		Map<UUID, Integer> sent = new HashMap<>();
		try (Connection connection = dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(insert)) {
			for (int from = 0; from < MESSAGES; from += PER_TRANSACTION) {
				statement.setInt(1, from);
				statement.setInt(2, Math.min(from + PER_TRANSACTION, MESSAGES) - 1);
				try (ResultSet rs = statement.executeQuery()) {
					while (rs.next()) {
						sent.put(rs.getObject(1, UUID.class), rs.getInt(2));
					}
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Writing the outbox failed", ex);
		}
		return sent;
	}

	private static void assertDeliveries(Map<UUID, Integer> sent, List<Delivery> log) {
		assertThat(sent).hasSize(MESSAGES);
		Set<UUID> delivered = new HashSet<>();
		Map<String, List<Integer>> firstByKey = new LinkedHashMap<>();
		Map<String, Map<String, List<Integer>>> byRunAndKey = new HashMap<>();
		for (Delivery delivery : log) {
			assertThat(delivery.seq()).as("sequence of %s", delivery.id()).isEqualTo(sent.get(delivery.id()));
			if (delivered.add(delivery.id())) {
				firstByKey.computeIfAbsent(delivery.key(), (key) -> new ArrayList<>()).add(delivery.seq());
			}
			byRunAndKey.computeIfAbsent(delivery.runId(), (run) -> new HashMap<>())
				.computeIfAbsent(delivery.key(), (key) -> new ArrayList<>())
				.add(delivery.seq());
		}
		assertThat(delivered).as("messages delivered at least once").containsExactlyInAnyOrderElementsOf(sent.keySet());
		List<Integer> wholeSequence = IntStream.range(0, MESSAGES / KEYS).boxed().toList();
		assertThat(firstByKey).hasSize(KEYS);
		firstByKey.forEach((key, sequence) -> assertThat(sequence).as("first deliveries of %s", key)
			.containsExactlyElementsOf(wholeSequence));
		// within one process life each key's deliveries are in commit order, redeliveries
		// included
		byRunAndKey.forEach((run,
				keys) -> keys.forEach((key, sequence) -> assertThat(sequence).as("deliveries of %s in run %s", key, run)
					.isSorted()
					.doesNotHaveDuplicates()));
		assertThat(log.size() - delivered.size()).as("duplicate deliveries, at most what was in flight")
			.isLessThanOrEqualTo(BUFFER_SIZE + CONCURRENCY);
	}

	private static void report(Map<UUID, Integer> sent, List<Delivery> log, long loggedAtKill, Crash crash,
			long recoveryMillis) {
		Set<UUID> distinct = new HashSet<>();
		log.forEach((delivery) -> distinct.add(delivery.id()));
		long lost = sent.keySet().stream().filter((id) -> !distinct.contains(id)).count();
		long second = log.stream().filter((delivery) -> delivery.runId().equals("second")).count();
		System.out.printf(
				"CRASH-RECOVERY sent=%d delivered=%d deliveries=%d (first run %d before kill -9 at %.0f/s, second run %d) "
						+ "duplicates=%d lost=%d in-flight-bound=%d; at the kill: confirmed=%s, delivered past it=%d; "
						+ "restart to last message=%dms%n",
				sent.size(), distinct.size(), log.size(), loggedAtKill, crash.firstRunRate(), second,
				log.size() - distinct.size(), lost, BUFFER_SIZE + CONCURRENCY, crash.confirmed(),
				crash.deliveredPastConfirmed(), recoveryMillis);
	}

	/**
	 * The slot's confirmed position once the killed relay's walsender is gone, so that no
	 * feedback still in the socket moves it afterwards.
	 */
	private static String confirmedOnceInactive(HikariDataSource dataSource, String slot) {
		String query = "SELECT active FROM pg_replication_slots WHERE slot_name = '" + slot + "'";
		Awaitility.await("slot " + slot + " released")
			.atMost(WAIT)
			.pollInterval(Duration.ofMillis(10))
			.until(() -> "f".equals(TestPostgres.queryForString(dataSource, query)));
		return TestPostgres.queryForString(dataSource,
				"SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
	}

	private static Crash crash(HikariDataSource dataSource, String confirmed) {
		String undelivered = TestPostgres.queryForString(dataSource,
				"SELECT count(DISTINCT message_id) FROM broker_log b WHERE lsn < '" + confirmed + "' AND NOT EXISTS "
						+ "(SELECT 1 FROM broker_log f WHERE f.run_id = 'first' AND f.message_id = b.message_id)");
		String pastConfirmed = TestPostgres.queryForString(dataSource,
				"SELECT count(*) FROM broker_log WHERE run_id = 'first' AND lsn >= '" + confirmed + "'");
		String rate = TestPostgres.queryForString(dataSource, "SELECT count(*) / greatest(extract(epoch FROM "
				+ "max(logged_at) - min(logged_at)), 0.001) FROM broker_log WHERE run_id = 'first'");
		return new Crash(confirmed, Long.parseLong(undelivered), Long.parseLong(pastConfirmed),
				Double.parseDouble(rate));
	}

	private static long logged(HikariDataSource dataSource) {
		return Long.parseLong(TestPostgres.queryForString(dataSource, "SELECT count(*) FROM broker_log"));
	}

	private static long distinctLogged(HikariDataSource dataSource) {
		return Long
			.parseLong(TestPostgres.queryForString(dataSource, "SELECT count(DISTINCT message_id) FROM broker_log"));
	}

	private static List<Delivery> readLog(HikariDataSource dataSource) throws SQLException {
		List<Delivery> log = new ArrayList<>();
		try (Connection connection = dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet rs = statement
					.executeQuery("SELECT message_id, msg_key, (payload::json->>'seq')::int, run_id "
							+ "FROM broker_log ORDER BY seq")) {
			while (rs.next()) {
				log.add(new Delivery(rs.getObject(1, UUID.class), rs.getString(2), rs.getInt(3), rs.getString(4)));
			}
		}
		return log;
	}

	/**
	 * What the kill left: the slot's confirmed position, the messages before it that the
	 * first relay had not delivered (must be none), and those it delivered past it (the
	 * duplicates to come).
	 */
	private record Crash(String confirmed, long undeliveredBeforeConfirmed, long deliveredPastConfirmed,
			double firstRunRate) {
	}

	/** One row of the broker's log, in arrival order. */
	private record Delivery(UUID id, String key, int seq, String runId) {
	}

}
