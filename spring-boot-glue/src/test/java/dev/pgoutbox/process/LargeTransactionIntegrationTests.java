package dev.pgoutbox.process;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One transaction far larger than the relay's heap is delivered whole, with a fixed heap:
 * the relay streams it through its bounded buffer instead of holding it.
 */
class LargeTransactionIntegrationTests {

	/**
	 * A million rows take about 30 s here; overridable:
	 * {@code -Doutbox.test.large-transaction.rows=}.
	 */
	private static final int ROWS = Integer.getInteger("outbox.test.large-transaction.rows", 1_000_000);

	/**
	 * 256 MB for a million rows, scaled with the row count (never below 32 MB);
	 * overridable.
	 */
	private static final String MAX_HEAP = System.getProperty("outbox.test.large-transaction.heap",
			Math.max(32, 256L * ROWS / 1_000_000) + "m");

	private static final Duration WAIT = Duration.ofSeconds(150);

	@Test
	void deliversEveryRowOfOneHugeTransactionWithAFixedHeap() throws SQLException {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		List<String> args = ForkedRelay.connectionArgs(target);
		args.addAll(List.of("--relay.broker=count", "--relay.exit-after=" + ROWS));
		try (HikariDataSource dataSource = TestPostgres.dataSource(target.database());
				ForkedRelay relay = ForkedRelay.start("large-transaction", MAX_HEAP, args)) {
			// the relay has created the table and the slot: the transaction comes through
			// the stream
			relay.awaitReady(WAIT);
			long start = System.nanoTime();
			insertInOneTransaction(dataSource);
			long committed = System.nanoTime();
			int exitCode = relay.awaitExit(WAIT);
			long exited = System.nanoTime();

			String output = relay.output();
			assertThat(output).as("output of %s", relay).doesNotContain("OutOfMemoryError");
			assertThat(exitCode).as("exit code of %s", relay).isZero();
			assertThat(relay.figure(RelayProcess.DELIVERED, "n")).as("deliveries").isEqualTo(ROWS);
			assertThat(relay.figure(RelayProcess.DELIVERED, "distinct")).as("distinct rows delivered").isEqualTo(ROWS);
			assertThat(relay.figure(RelayProcess.DELIVERED, "duplicates")).as("duplicates").isZero();
			long peak = relay.figure(RelayProcess.PEAK_HEAP, "bytes");
			long peakAfterGc = relay.figure(RelayProcess.PEAK_HEAP, "afterGc");
			long max = relay.figure(RelayProcess.PEAK_HEAP, "max");
			assertThat(peak).isPositive().isLessThanOrEqualTo(max);
			// the README's claim: what stays in use after collections is a bounded
			// buffer, not
			// the transaction; at most half the heap (measured 37-69 MB of 256 MB)
			assertThat(peakAfterGc).as("heap in use after collections").isPositive().isLessThanOrEqualTo(max / 2);
			System.out.printf(
					"LARGE-TRANSACTION rows=%d heap=-Xmx%s insert+commit=%dms commit-to-exit=%dms "
							+ "peak-heap-used=%.1fMB peak-heap-after-gc=%.1fMB max-heap=%.1fMB (%s)%n",
					ROWS, MAX_HEAP, TimeUnit.NANOSECONDS.toMillis(committed - start),
					TimeUnit.NANOSECONDS.toMillis(exited - committed), peak / 1048576.0, peakAfterGc / 1048576.0,
					max / 1048576.0, relay.lastLine(RelayProcess.PEAK_HEAP).orElseThrow());
		}
	}

	private static void insertInOneTransaction(HikariDataSource dataSource) throws SQLException {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			connection.setAutoCommit(false);
			// payloads of about 250 bytes, headers to parse: rows of a realistic size
			statement.executeUpdate("INSERT INTO \"public\".\"outbox\" (id, type, msg_key, payload, headers) "
					+ "SELECT gen_random_uuid(), 'Bulk', 'key-' || (n % 1000), "
					+ "json_build_object('n', n, 'body', repeat('x', 200))::json, "
					+ "jsonb_build_object('trace', md5(n::text)) FROM generate_series(0, " + (ROWS - 1) + ") AS n");
			connection.commit();
		}
	}

}
