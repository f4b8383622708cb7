package dev.pgoutbox.process;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.zaxxer.hikari.HikariDataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three application instances (real JVMs) share six partitions: the partitions spread
 * evenly, move when an instance stops or is killed with {@code kill -9}, and every
 * message is delivered with each key's first deliveries in order.
 */
class ScaleOutIntegrationTests {

	private static final int PARTITIONS = 6;

	private static final int KEYS_PER_PARTITION = 5;

	private static final int BATCH = 600;

	private static final Duration WAIT = Duration.ofSeconds(90);

	@Test
	void partitionsSpreadEvenlyAndMoveAfterAStopAndAKill() throws Exception {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		// created before the three instances start, which would otherwise race to create
		// it
		TestPostgres.execute(target.database(), RelayProcess.Broker.CREATE_LOG);
		try (HikariDataSource dataSource = TestPostgres.dataSource(target.database());
				ForkedRelay a = ForkedRelay.start("scale-a", "192m", args(target, "a"));
				ForkedRelay b = ForkedRelay.start("scale-b", "192m", args(target, "b"));
				ForkedRelay c = ForkedRelay.start("scale-c", "192m", args(target, "c"))) {
			Awaitility.await("six partition slots streaming")
				.atMost(WAIT)
				.pollInterval(Duration.ofMillis(100))
				.failFast("an instance exited", () -> a.hasExited() || b.hasExited() || c.hasExited())
				.until(() -> activeSlots(dataSource, target.slot()) == PARTITIONS && instances(dataSource) == 3);

			// three live instances settle on two partitions each: batches are written
			// until one
			// shows it (the first ones may still find a partition on its way to its new
			// owner)
			int[] total = { 0 };
			Map<String, Set<String>> first = new TreeMap<>();
			Awaitility.await("two partitions per instance")
				.atMost(WAIT)
				.pollInterval(Duration.ofMillis(200))
				.until(() -> {
					int from = total[0];
					total[0] = write(dataSource, from);
					first.clear();
					first.putAll(awaitDelivered(dataSource, from, total[0]));
					return first.keySet().equals(Set.of("a", "b", "c"))
							&& first.values().stream().allMatch((partitions) -> partitions.size() == 2);
				});
			int written = total[0];

			// a clean stop: b's partitions move to a and c, three each
			// SIGTERM: the JVM runs Spring's graceful shutdown, then exits with 128 + 15
			assertThat(b.stop(WAIT)).isEqualTo(143);
			long stoppedAt = System.nanoTime();
			int second = write(dataSource, written);
			Map<String, Set<String>> afterStop = awaitDelivered(dataSource, written, second);
			Duration moveAfterStop = Duration.ofNanos(System.nanoTime() - stoppedAt);
			assertThat(afterStop.keySet()).containsExactlyInAnyOrder("a", "c");
			assertThat(afterStop.values()).allSatisfy((p) -> assertThat(p).hasSize(3));
			// the joins and the clean stop only ever moved partitions gracefully: nothing
			// twice
			assertThat(deliveries(dataSource)).as("deliveries before the kill, duplicates included").isEqualTo(second);

			// kill -9: c's partitions move to a once c's heartbeat is older than the
			// instance timeout
			assertThat(c.kill9()).isEqualTo(ForkedRelay.KILLED_BY_SIGKILL);
			long killedAt = System.nanoTime();
			int third = write(dataSource, second);
			Map<String, Set<String>> afterKill = awaitDelivered(dataSource, second, third);
			Duration moveAfterKill = Duration.ofNanos(System.nanoTime() - killedAt);
			assertThat(afterKill).containsOnlyKeys("a");
			assertThat(afterKill.get("a")).hasSize(PARTITIONS);

			assertFirstDeliveriesInOrder(dataSource, third);
			System.out.printf(
					"RESULT scale-out messages=%d spread=%s after_stop=%s (%d ms) after_kill=%s (%d ms) "
							+ "duplicates=%d%n",
					third, first, afterStop, moveAfterStop.toMillis(), afterKill, moveAfterKill.toMillis(),
					deliveries(dataSource) - third);
		}
	}

	private static List<String> args(OutboxContexts.Target target, String instance) {
		List<String> args = ForkedRelay.connectionArgs(target);
		List<String> partitions = new ArrayList<>();
		for (int p = 0; p < PARTITIONS; p++) {
			partitions.add("p" + p);
		}
		args.addAll(List.of("--relay.broker=log", "--relay.run-id=" + instance, "--relay.await-ready=false",
				"--outbox.partitions=" + String.join(",", partitions), "--outbox.membership.instance-id=" + instance,
				"--outbox.membership.heartbeat-interval=250ms",
				// three JVMs on two busy cores can miss beats for a second or two; a live
				// instance
				// taken for dead would move partitions uncleanly
				"--outbox.membership.instance-timeout=8s"));
		return args;
	}

	/**
	 * Writes a batch in one transaction: message {@code i} goes to partition
	 * {@code p(i % 6)} with key {@code p(i % 6)-k(i % 30 / 6)} and sequence {@code i}.
	 * @return the number of messages written so far
	 */
	private static int write(HikariDataSource dataSource, int from) {
		TestPostgres.update(dataSource,
				"INSERT INTO \"public\".\"outbox\" (id, type, msg_key, payload, partition_key) "
						+ "SELECT gen_random_uuid(), 'Seq', 'p' || (i % " + PARTITIONS + ") || '-k' || (i % "
						+ (PARTITIONS * KEYS_PER_PARTITION) + " / " + PARTITIONS
						+ "), json_build_object('seq', i)::json, 'p' || (i % " + PARTITIONS + ") FROM generate_series("
						+ from + ", " + (from + BATCH - 1) + ") AS i ORDER BY i");
		return from + BATCH;
	}

	/**
	 * Waits until messages {@code from} to {@code to - 1} are at the broker; returns the
	 * partitions each instance delivered.
	 */
	private static Map<String, Set<String>> awaitDelivered(HikariDataSource dataSource, int from, int to) {
		String range = " FROM broker_log WHERE (payload::json ->> 'seq')::int >= " + from
				+ " AND (payload::json ->> 'seq')::int < " + to;
		Awaitility.await("messages " + from + " to " + (to - 1) + " delivered")
			.atMost(WAIT)
			.pollInterval(Duration.ofMillis(100))
			.until(() -> Integer.parseInt(
					TestPostgres.queryForString(dataSource, "SELECT count(DISTINCT message_id)" + range)) == to - from);
		Map<String, Set<String>> byInstance = new TreeMap<>();
		query(dataSource, "SELECT run_id, split_part(msg_key, '-', 1)" + range,
				(rs) -> byInstance.computeIfAbsent(rs.getString(1), (k) -> new HashSet<>()).add(rs.getString(2)));
		// a partition's messages of one batch come from one instance: it moved before the
		// batch
		Map<String, String> owner = new HashMap<>();
		byInstance.forEach((instance,
				partitions) -> partitions.forEach((p) -> assertThat(owner.put(p, instance))
					.as("partition %s delivered by two instances in one batch", p)
					.isNull()));
		return byInstance;
	}

	private static void assertFirstDeliveriesInOrder(HikariDataSource dataSource, int total) {
		Map<String, List<Integer>> byKey = new LinkedHashMap<>();
		Set<String> seen = new HashSet<>();
		query(dataSource,
				"SELECT message_id::text, msg_key, (payload::json ->> 'seq')::int FROM broker_log ORDER BY seq",
				(rs) -> {
					if (seen.add(rs.getString(1))) {
						byKey.computeIfAbsent(rs.getString(2), (k) -> new ArrayList<>()).add(rs.getInt(3));
					}
				});
		assertThat(seen).hasSize(total);
		assertThat(byKey).hasSize(PARTITIONS * KEYS_PER_PARTITION);
		byKey.forEach((key, sequence) -> assertThat(sequence).as("first deliveries of %s", key).isSorted());
	}

	private static int activeSlots(HikariDataSource dataSource, String slotPrefix) {
		return Integer.parseInt(TestPostgres.queryForString(dataSource,
				"SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name LIKE '" + slotPrefix + "\\_p%'"));
	}

	private static int instances(HikariDataSource dataSource) {
		return Integer.parseInt(TestPostgres.queryForString(dataSource,
				"SELECT count(*) FROM \"public\".\"outbox_instances\" WHERE heartbeat_at > now() - interval '2 seconds'"));
	}

	private static long deliveries(HikariDataSource dataSource) {
		return Long.parseLong(TestPostgres.queryForString(dataSource, "SELECT count(*) FROM broker_log"));
	}

	private interface RowHandler {

		void accept(ResultSet rs) throws SQLException;

	}

	private static void query(HikariDataSource dataSource, String sql, RowHandler handler) {
		try (Connection connection = dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(sql);
				ResultSet rs = statement.executeQuery()) {
			while (rs.next()) {
				handler.accept(rs);
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException(sql + " failed", ex);
		}
	}

}
