package dev.pgoutbox.benchmark;

import java.math.BigDecimal;
import java.sql.Types;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.SqlParameterValue;
import org.springframework.transaction.support.TransactionTemplate;

import dev.pgoutbox.OutboxPublisher;

import static dev.pgoutbox.benchmark.ScenarioResult.decimal;

/**
 * What {@link OutboxPublisher#publish} adds to a business transaction: transactions that
 * insert an order and publish its event, against the same transactions inserting the
 * order and the same bytes into a table of the same shape with plain JDBC. Measured with
 * the relay running (as deployed) and with it stopped (the writer's path alone), the two
 * sides alternating in rounds so that drift on a shared machine hits both alike.
 */
final class OverheadScenario implements Scenario {

	private static final int ROUNDS = 4;

	private static final int WARM_UP = 1_000;

	private static final double TARGET = 1.2;

	private final AtomicLong rows = new AtomicLong();

	@Override
	public ScenarioResult run(BenchmarkServer server, BenchmarkOptions options) throws Exception {
		int transactions = options.overheadTransactions() / ROUNDS * ROUNDS;
		int threads = options.overheadThreads();
		ScenarioResult result = new ScenarioResult("overhead");
		try (Workspace workspace = new Workspace(server, "overhead", "ov").reset()) {
			CountingPublisher publisher = new CountingPublisher(transactions + WARM_UP, Duration.ZERO);
			Map<String, Object> pool = Map.of("spring.datasource.hikari.maximum-pool-size", threads + 4);
			try (RelayHandle relay = RelayHandle.start(workspace, publisher, pool)) {
				relay.awaitRunning(Duration.ofSeconds(60));
				String schema = workspace.schema();
				workspace
					.execute("CREATE TABLE " + schema + ".orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
							+ "order_id text NOT NULL, customer_id text NOT NULL, total numeric(12, 2) NOT NULL, "
							+ "created_at timestamptz NOT NULL DEFAULT now())");
				workspace.execute(
						"CREATE TABLE " + schema + ".plain_messages (LIKE " + workspace.table() + " INCLUDING ALL)");
				Sides sides = new Sides(relay, schema);
				measure(sides, WARM_UP, threads, 1);
				Timing running = measure(sides, transactions, threads, ROUNDS);
				if (!publisher.awaitExpected(Duration.ofMinutes(2))) {
					throw new IllegalStateException("The relay published " + publisher.published() + " messages of "
							+ (transactions + WARM_UP));
				}
				relay.stopRelay();
				Timing writerOnly = measure(sides, transactions, threads, ROUNDS);
				report(result, "writer_only_", "overhead (relay stopped)", transactions, writerOnly);
				report(result, "relay_running_", "overhead (relay running)", transactions, running);
			}
		}
		return result;
	}

	private static void report(ScenarioResult result, String prefix, String label, int transactions, Timing timing) {
		double outboxRate = transactions / timing.outboxSeconds;
		double plainRate = transactions / timing.plainSeconds;
		double ratio = timing.outboxSeconds / timing.plainSeconds;
		result.put(prefix + "outbox_tx_per_s", outboxRate)
			.put(prefix + "plain_tx_per_s", plainRate)
			.put(prefix + "ratio", ratio);
		Progress.say("%s: publish %,.0f tx/s, plain JDBC %,.0f tx/s, time ratio %s", label, outboxRate, plainRate,
				decimal(ratio));
		result.row(new ScenarioResult.Row(label, String.format("publish %,.0f tx/s", outboxRate),
				String.format("plain JDBC %,.0f tx/s", plainRate), decimal(ratio), "<= 1.2", ratio <= TARGET));
	}

	/**
	 * Runs {@code transactions} of each side in {@code rounds}, alternating which goes
	 * first.
	 */
	private Timing measure(Sides sides, int transactions, int threads, int rounds) throws Exception {
		Timing timing = new Timing();
		int perRound = transactions / rounds;
		for (int round = 0; round < rounds; round++) {
			boolean outboxFirst = (round % 2) == 1;
			for (int side = 0; side < 2; side++) {
				boolean outbox = outboxFirst == (side == 0);
				double seconds = run(outbox ? sides::withOutbox : sides::withPlainInsert, perRound, threads);
				if (outbox) {
					timing.outboxSeconds += seconds;
				}
				else {
					timing.plainSeconds += seconds;
				}
			}
		}
		return timing;
	}

	private double run(Writers.Transaction transaction, int count, int threads) throws Exception {
		return Writers.run(transaction, count, threads, this.rows);
	}

	/**
	 * The two sides: the order plus {@code publish}, or the order plus a plain insert of
	 * the same bytes.
	 */
	private static final class Sides {

		private final TransactionTemplate transactions;

		private final JdbcTemplate jdbc;

		private final OutboxPublisher outbox;

		private final JsonMapper jsonMapper;

		private final String insertOrder;

		private final String insertPlain;

		Sides(RelayHandle relay, String schema) {
			this.transactions = relay.transactions();
			this.jdbc = relay.jdbc();
			this.outbox = relay.outboxPublisher();
			// the application's mapper, the one the publisher writes payloads with
			this.jsonMapper = relay.bean(JsonMapper.class);
			this.insertOrder = "INSERT INTO " + schema + ".orders (order_id, customer_id, total) VALUES (?, ?, ?)";
			this.insertPlain = "INSERT INTO " + schema
					+ ".plain_messages (id, type, msg_key, payload, headers) VALUES (?, ?, ?, ?::json, ?::jsonb)";
		}

		void withOutbox(long row) {
			Payloads.OrderPlaced order = Payloads.order(row, 1_000);
			this.transactions.executeWithoutResult((status) -> {
				insertOrder(order);
				this.outbox.publish(Payloads.TYPE, order.customerId(), order);
			});
		}

		void withPlainInsert(long row) {
			Payloads.OrderPlaced order = Payloads.order(row, 1_000);
			this.transactions.executeWithoutResult((status) -> {
				insertOrder(order);
				this.jdbc.update(this.insertPlain, Payloads.timeOrderedId(), Payloads.TYPE, order.customerId(),
						this.jsonMapper.writeValueAsString(order), new SqlParameterValue(Types.VARCHAR, null));
			});
		}

		private void insertOrder(Payloads.OrderPlaced order) {
			this.jdbc.update(this.insertOrder, order.orderId(), order.customerId(), new BigDecimal(order.total()));
		}

	}

	/** Seconds spent by each side. */
	private static final class Timing {

		private double outboxSeconds;

		private double plainSeconds;

	}

}
