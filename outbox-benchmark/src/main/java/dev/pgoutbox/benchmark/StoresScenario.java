package dev.pgoutbox.benchmark;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.Histogram;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.SqlParameterValue;
import org.springframework.transaction.support.TransactionTemplate;

import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.schema.OutboxWriter;
import dev.pgoutbox.schema.WalMessageFormat;

import static dev.pgoutbox.benchmark.ScenarioResult.decimal;

/**
 * The two message stores side by side in one run: {@code outbox.store=table} (a row of
 * the outbox table, deleted once delivered) and {@code outbox.store=wal} (a
 * {@code pg_logical_emit_message} in the caller's transaction). Each store has a relay of
 * its own in a workspace and a database of its own (so that neither relay reads the
 * other's messages), both running through the whole scenario, and every measurement
 * alternates the stores in rounds so that drift on a shared machine hits both alike:
 *
 * <ul>
 * <li>publish throughput, 8 writer threads: outbox-only transactions (one
 * {@code publish}), and order-plus-outbox transactions against the order insert plus a
 * plain JDBC insert of the same bytes into a table like the outbox table (and, for
 * reference, the order insert alone);</li>
 * <li>WAL bytes per message, from {@code pg_current_wal_lsn()} before the outbox-only
 * transactions to after they are delivered and, in the table store, their rows deleted by
 * the relay's cleaner;</li>
 * <li>drain rate of a backlog written while the relay is stopped, and latency at 1,000
 * msg/s;</li>
 * <li>the outbox table's size and dead tuples after a broker outage (the publisher
 * failing) at 1,000 msg/s, and the WAL the slot holds back meanwhile;</li>
 * <li>the bare SQL of both stores, with no library: plain JDBC inserts into a table like
 * the outbox table against {@code pg_logical_emit_message} of the same message in the WAL
 * store's encoding, alone and after the order insert, for what the server allows.</li>
 * </ul>
 */
final class StoresScenario implements Scenario {

	/** The stores the library has; the scenario runs those of {@code --stores}. */
	enum Store {

		TABLE, WAL;

		String label() {
			return name().toLowerCase(Locale.ROOT);
		}

		/** The properties that choose this store. */
		Map<String, Object> properties() {
			return Map.of("outbox.store", label());
		}

		static Store of(String label) {
			for (Store store : values()) {
				if (store.label().equals(label)) {
					return store;
				}
			}
			throw new IllegalArgumentException("Unknown store '" + label + "'");
		}

	}

	private static final int THREADS = 8;

	private static final int RATE = 1_000;

	private static final int ROUNDS = 4;

	private static final int DRAIN_PASSES = 2;

	private static final int KEYS = 1_000;

	private static final int WARM_UP = 1_000;

	private static final Duration TIMEOUT = Duration.ofMinutes(5);

	private static final double TARGET_WAL_BYTES = 0.6;

	private static final double TARGET_PUBLISH = 1.5;

	private static final double TARGET_OVERHEAD = 1.02;

	/** The prefix of the bare SQL's messages, which no relay reads. */
	private static final String BARE_PREFIX = "benchmark:bare";

	private final AtomicLong rows = new AtomicLong();

	private final Bare bare = new Bare();

	@Override
	public ScenarioResult run(BenchmarkServer server, BenchmarkOptions options) throws Exception {
		List<Side> sides = new ArrayList<>();
		try {
			for (Store store : options.stores()) {
				sides.add(new Side(server, store, options.walCompression()));
			}
			for (Side side : sides) {
				warmUp(side);
			}
			publish(sides, options.storesTransactions());
			orders(sides, options.storesTransactions());
			drain(sides, options.storesDrainRows());
			latency(sides, options.storesLatencySeconds());
			for (Side side : sides) {
				outage(side, options.storesOutageSeconds());
			}
			bare(sides.get(0), options.storesTransactions());
			for (Side side : sides) {
				side.checkStore();
			}
		}
		finally {
			for (Side side : sides) {
				side.close();
			}
		}
		return report(sides, options);
	}

	private void warmUp(Side side) throws Exception {
		CountingPublisher counting = side.publisher.use(new CountingPublisher(Long.MAX_VALUE, Duration.ZERO));
		run(side::outboxOnly, WARM_UP);
		run(side::orderWithOutbox, WARM_UP);
		run(side::orderAlone, WARM_UP);
		await(counting, 2L * WARM_UP, side, "warm-up");
		side.awaitTableEmpty();
	}

	/**
	 * Outbox-only transactions in rounds, each round's WAL measured from before its first
	 * transaction to after its last message is delivered and its rows deleted.
	 */
	private void publish(List<Side> sides, int transactions) throws Exception {
		int perRound = transactions / ROUNDS;
		for (int round = 0; round < ROUNDS; round++) {
			for (Side side : inTurn(sides, round)) {
				CountingPublisher counting = side.publisher.use(new CountingPublisher(perRound, Duration.ZERO));
				side.execute("CHECKPOINT");
				long before = side.walPosition();
				side.publishSeconds += run(side::outboxOnly, perRound);
				await(counting, perRound, side, "publish");
				side.awaitTableEmpty();
				side.walBytes += side.walPosition() - before;
				side.published += perRound;
			}
		}
		for (Side side : sides) {
			Progress.say("stores: %s: outbox-only %,.0f tx/s (%d threads), %.0f WAL bytes per message", side.label(),
					side.published / side.publishSeconds, THREADS, (double) side.walBytes / side.published);
		}
	}

	/**
	 * Order-plus-outbox transactions against the order plus a plain insert of the same
	 * bytes, and against the order alone, in rounds.
	 */
	private void orders(List<Side> sides, int transactions) throws Exception {
		int perRound = transactions / ROUNDS;
		for (Side side : sides) {
			side.publisher.use(new CountingPublisher(Long.MAX_VALUE, Duration.ZERO));
		}
		for (int round = 0; round < ROUNDS; round++) {
			for (Side side : inTurn(sides, round)) {
				// which goes first turns with the round
				for (int i = 0; i < 3; i++) {
					switch ((round + i) % 3) {
						case 0 -> side.orderWithOutboxSeconds += run(side::orderWithOutbox, perRound);
						case 1 -> side.orderWithPlainSeconds += run(side::orderWithPlainInsert, perRound);
						default -> side.orderAloneSeconds += run(side::orderAlone, perRound);
					}
				}
			}
		}
		for (Side side : sides) {
			side.orders = perRound * ROUNDS;
			Progress.say(
					"stores: %s: order plus outbox %,.0f tx/s, order plus plain insert %,.0f tx/s (time ratio %s), "
							+ "order alone %,.0f tx/s",
					side.label(), side.orders / side.orderWithOutboxSeconds, side.orders / side.orderWithPlainSeconds,
					decimal(side.overhead()), side.orders / side.orderAloneSeconds);
		}
	}

	/** A backlog written while the relay is stopped, then drained, in passes. */
	private void drain(List<Side> sides, int rows) throws Exception {
		for (int pass = 0; pass < DRAIN_PASSES; pass++) {
			for (Side side : inTurn(sides, pass)) {
				side.awaitTableEmpty();
				side.relay.stopRelay();
				run(side::backlogMessage, rows);
				CountingPublisher counting = side.publisher.use(new CountingPublisher(rows, Duration.ZERO));
				side.relay.startRelay();
				if (!counting.awaitExpected(TIMEOUT)) {
					throw new IllegalStateException("The " + side.label() + " store's relay published "
							+ counting.published() + " of " + rows + " messages within " + TIMEOUT);
				}
				Throughput throughput = counting.throughput();
				side.drain = (side.drain != null) ? side.drain.plus(throughput) : throughput;
				Progress.say("stores: %s: drained %,d messages at %,.0f msg/s", side.label(), rows,
						throughput.perSecond());
			}
		}
	}

	/** Commit-to-publish latency at 1,000 msg/s, in two halves per store. */
	private void latency(List<Side> sides, int seconds) throws Exception {
		for (Side side : sides) {
			CountingPublisher counting = side.publisher.use(new CountingPublisher(Long.MAX_VALUE, Duration.ZERO));
			long written = side.writer.run(RATE, 2, null).written();
			await(counting, written, side, "latency warm-up");
			side.latency = counting.recordLatency(null);
			side.latencyCounting = counting;
		}
		int half = Math.max(1, seconds / 2);
		for (int round = 0; round < 2; round++) {
			for (Side side : inTurn(sides, round)) {
				long before = side.latencyCounting.published();
				long written = side.writer.run(RATE, half, null).written();
				await(side.latencyCounting, before + written, side, "latency");
			}
		}
		for (Side side : sides) {
			Progress.say("stores: %s: latency at %,d msg/s p50 %s ms, p99 %s ms", side.label(), RATE,
					decimal(millis(side.latency, 50)), decimal(millis(side.latency, 99)));
		}
	}

	/**
	 * A broker outage at 1,000 msg/s: the publisher fails for {@code seconds} while the
	 * writer goes on, then recovers; the table is measured at the end of the outage and
	 * once everything is delivered and cleaned up.
	 */
	private void outage(Side side, int seconds) throws Exception {
		side.awaitTableEmpty();
		// from a compact table: the earlier phases left it bloated with dead rows
		side.execute("VACUUM FULL " + side.workspace.table());
		side.outageStart = side.tableStats();
		long rowsBefore = side.workspace.outboxRows();
		CountingPublisher counting = side.publisher.use(new CountingPublisher(Long.MAX_VALUE, Duration.ZERO));
		TableStats start = side.tableStats();
		side.publisher.fail(true);
		long written;
		try {
			written = side.writer.run(RATE, seconds, null).written();
			side.outageEnd = side.tableStats();
			side.outageSlotLag = side.slotLag();
		}
		finally {
			side.publisher.fail(false);
		}
		long recovery = System.nanoTime();
		await(counting, written, side, "outage recovery");
		side.recoverySeconds = (System.nanoTime() - recovery) / 1e9;
		side.awaitTableEmpty();
		long missed = side.workspace.outboxRows() - rowsBefore;
		side.outageAfter = side.awaitStats(start, written - missed);
		side.outageMessages = written;
		Progress.say(
				"stores: %s: %d s outage, %,d messages: table %s before, at its end %s, %,d dead tuples, slot holds "
						+ "%s of WAL; delivered %.1f s after it; then table %s, %,d dead tuples",
				side.label(), seconds, written, megabytes(side.outageStart.size()), megabytes(side.outageEnd.size()),
				side.outageEnd.deadTuples(), megabytes(side.outageSlotLag), side.recoverySeconds,
				megabytes(side.outageAfter.size()), side.outageAfter.deadTuples());
	}

	/**
	 * The stores' SQL with no library around it, in rounds on one side's connections:
	 * what the server allows, as a bound on the ratios the library can reach.
	 */
	private void bare(Side side, int transactions) throws Exception {
		int perRound = transactions / ROUNDS;
		// no relay reads: its slot would receive every emitted message
		side.relay.stopRelay();
		for (int round = 0; round < ROUNDS; round++) {
			for (int i = 0; i < 5; i++) {
				switch ((round + i) % 5) {
					case 0 -> this.bare.insertSeconds += run((row) -> side.bareInsert(row, false), perRound);
					case 1 -> this.bare.emitSeconds += run((row) -> side.bareEmit(row, false, false), perRound);
					case 2 -> this.bare.checkedEmitSeconds += run((row) -> side.bareEmit(row, false, true), perRound);
					case 3 -> this.bare.orderInsertSeconds += run((row) -> side.bareInsert(row, true), perRound);
					default -> this.bare.orderEmitSeconds += run((row) -> side.bareEmit(row, true, false), perRound);
				}
			}
		}
		side.relay.startRelay();
		this.bare.transactions = (long) perRound * ROUNDS;
		Progress.say(
				"stores: bare SQL: insert %,.0f tx/s, emit %,.0f tx/s (ratio %s), emit checking the slots %,.0f tx/s; "
						+ "order + insert %,.0f tx/s, order + emit %,.0f tx/s (time ratio %s)",
				this.bare.rate(this.bare.insertSeconds), this.bare.rate(this.bare.emitSeconds),
				decimal(this.bare.publishRatio()), this.bare.rate(this.bare.checkedEmitSeconds),
				this.bare.rate(this.bare.orderInsertSeconds), this.bare.rate(this.bare.orderEmitSeconds),
				decimal(this.bare.overheadRatio()));
	}

	private ScenarioResult report(List<Side> sides, BenchmarkOptions options) {
		ScenarioResult result = new ScenarioResult("stores");
		Side table = find(sides, Store.TABLE);
		Side wal = find(sides, Store.WAL);
		boolean both = table != null && wal != null;
		double walBytesRatio = both ? wal.walBytesPerMessage() / table.walBytesPerMessage() : Double.NaN;
		double publishRatio = both ? wal.publishRate() / table.publishRate() : Double.NaN;
		double overheadRatio = (wal != null) ? wal.overhead() : Double.NaN;
		double drainRatio = both ? wal.drain.perSecond() / table.drain.perSecond() : Double.NaN;
		double latencyRatio = both ? millis(wal.latency, 99) / millis(table.latency, 99) : Double.NaN;
		result.put("wal_bytes_ratio", ratio(walBytesRatio))
			.put("publish_ratio", ratio(publishRatio))
			.put("overhead_ratio", ratio(overheadRatio))
			.put("drain_ratio", ratio(drainRatio))
			.put("latency_p99_ratio", ratio(latencyRatio))
			.put("bare_publish_ratio", ratio(this.bare.publishRatio()))
			.put("bare_overhead_ratio", ratio(this.bare.overheadRatio()))
			.put("bare_checked_emit_ratio", ratio(this.bare.checkedEmitRatio()))
			.put("stores", String.join(",", sides.stream().map(Side::label).toList()))
			.put("transactions", options.storesTransactions())
			.put("threads", THREADS)
			.put("drain_rows", options.storesDrainRows())
			.put("outage_s", options.storesOutageSeconds())
			.put("wal_compression", options.walCompression());
		for (Side side : sides) {
			String p = side.label() + "_";
			result.put(p + "wal_bytes_per_msg", side.walBytesPerMessage())
				.put(p + "publish_tx_per_s", side.publishRate())
				.put(p + "order_outbox_tx_per_s", side.orders / side.orderWithOutboxSeconds)
				.put(p + "order_plain_insert_tx_per_s", side.orders / side.orderWithPlainSeconds)
				.put(p + "order_alone_tx_per_s", side.orders / side.orderAloneSeconds)
				.put(p + "overhead", side.overhead())
				.put(p + "drain_msg_per_s", side.drain.perSecond())
				.put(p + "latency_p50_ms", millis(side.latency, 50))
				.put(p + "latency_p99_ms", millis(side.latency, 99))
				.put(p + "outage_messages", side.outageMessages)
				.put(p + "outage_start_table_bytes", side.outageStart.size())
				.put(p + "outage_end_table_bytes", side.outageEnd.size())
				.put(p + "outage_end_dead_tuples", side.outageEnd.deadTuples())
				.put(p + "outage_end_slot_lag_bytes", side.outageSlotLag)
				.put(p + "recovery_s", side.recoverySeconds)
				.put(p + "rows_left_undeleted", side.rowsLeft)
				.put(p + "after_outage_table_bytes", side.outageAfter.size())
				.put(p + "after_outage_dead_tuples", side.outageAfter.deadTuples())
				.put(p + "after_outage_autovacuums", side.outageAfter.autovacuums() - side.outageEnd.autovacuums());
		}
		String missing = "wal store not run";
		result.row(new ScenarioResult.Row("stores WAL bytes/msg",
				(wal != null) ? String.format("wal %,.0f B", wal.walBytesPerMessage()) : missing,
				(table != null) ? String.format("table %,.0f B", table.walBytesPerMessage()) : "-",
				ratio(walBytesRatio), "<= 0.6", both ? walBytesRatio <= TARGET_WAL_BYTES : null));
		result.row(new ScenarioResult.Row("stores publish (outbox only)",
				(wal != null) ? String.format("wal %,.0f tx/s", wal.publishRate()) : missing,
				(table != null) ? String.format("table %,.0f tx/s", table.publishRate()) : "-", ratio(publishRatio),
				">= 1.5", both ? publishRatio >= TARGET_PUBLISH : null));
		for (Side side : sides) {
			boolean isWal = side.store == Store.WAL;
			result.row(new ScenarioResult.Row("stores order+outbox (" + side.label() + ")",
					String.format("%,.0f tx/s", side.orders / side.orderWithOutboxSeconds),
					String.format("order + plain insert %,.0f tx/s (order alone %,.0f)",
							side.orders / side.orderWithPlainSeconds, side.orders / side.orderAloneSeconds),
					decimal(side.overhead()), isWal ? "<= 1.02" : "-",
					isWal ? side.overhead() <= TARGET_OVERHEAD : null));
		}
		result.row(new ScenarioResult.Row("stores drain",
				(wal != null) ? String.format("wal %,.0f msg/s", wal.drain.perSecond()) : missing,
				(table != null) ? String.format("table %,.0f msg/s", table.drain.perSecond()) : "-", ratio(drainRatio),
				">= 1.0", both ? drainRatio >= 1.0 : null));
		result.row(new ScenarioResult.Row("stores latency 1,000/s",
				(wal != null) ? latencyText("wal", wal.latency) : missing,
				(table != null) ? latencyText("table", table.latency) : "-", ratio(latencyRatio), "p99 <= table's",
				both ? latencyRatio <= 1.0 : null));
		result.row(new ScenarioResult.Row("stores bare SQL, outbox only",
				String.format("emit %,.0f tx/s", this.bare.rate(this.bare.emitSeconds)),
				String.format("insert %,.0f tx/s", this.bare.rate(this.bare.insertSeconds)),
				ratio(this.bare.publishRatio()), "(bound)", null));
		result.row(new ScenarioResult.Row("stores bare SQL, slot check",
				String.format("emit checking the slots %,.0f tx/s", this.bare.rate(this.bare.checkedEmitSeconds)),
				String.format("emit %,.0f tx/s", this.bare.rate(this.bare.emitSeconds)),
				ratio(this.bare.checkedEmitRatio()), "-", null));
		result.row(new ScenarioResult.Row("stores bare SQL, order+message",
				String.format("emit %,.0f tx/s", this.bare.rate(this.bare.orderEmitSeconds)),
				String.format("insert %,.0f tx/s", this.bare.rate(this.bare.orderInsertSeconds)),
				ratio(this.bare.overheadRatio()), "(bound)", null));
		for (Side side : sides) {
			result.row(new ScenarioResult.Row("stores outage (" + side.label() + ")",
					String.format("table %s, %,d dead after; slot held %s", megabytes(side.outageAfter.size()),
							side.outageAfter.deadTuples(), megabytes(side.outageSlotLag)),
					String.format("%,d msgs in %d s", side.outageMessages, options.storesOutageSeconds()), "-", "-",
					null));
		}
		return result;
	}

	private static String latencyText(String label, Histogram latency) {
		return label + " p50 " + decimal(millis(latency, 50)) + ", p99 " + decimal(millis(latency, 99)) + " ms";
	}

	private static String ratio(double value) {
		return Double.isNaN(value) ? "-" : decimal(value);
	}

	private static String megabytes(long bytes) {
		return String.format(Locale.ROOT, "%.2f MB", bytes / 1e6);
	}

	private static Side find(List<Side> sides, Store store) {
		return sides.stream().filter((side) -> side.store == store).findFirst().orElse(null);
	}

	/** The sides in the order of this round: reversed every other round. */
	private static List<Side> inTurn(List<Side> sides, int round) {
		List<Side> ordered = new ArrayList<>(sides);
		if (round % 2 == 1) {
			java.util.Collections.reverse(ordered);
		}
		return ordered;
	}

	private static void await(CountingPublisher counting, long count, Side side, String phase) {
		if (!counting.awaitCount(count, TIMEOUT)) {
			throw new IllegalStateException("The " + side.label() + " store's relay published " + counting.published()
					+ " of " + count + " messages of the " + phase + " within " + TIMEOUT);
		}
	}

	private static double millis(Histogram histogram, double percentile) {
		return histogram.getValueAtPercentile(percentile) / 1000.0;
	}

	/** Runs {@code count} transactions on {@link #THREADS} threads. @return seconds */
	private double run(Writers.Transaction transaction, int count) throws Exception {
		return Writers.run(transaction, count, THREADS, this.rows);
	}

	/** The bare SQL's times, over the same number of transactions each. */
	private static final class Bare {

		private long transactions;

		private double insertSeconds;

		private double emitSeconds;

		private double checkedEmitSeconds;

		private double orderInsertSeconds;

		private double orderEmitSeconds;

		double rate(double seconds) {
			return this.transactions / seconds;
		}

		/** Emits over inserts, in transactions per second. */
		double publishRatio() {
			return this.insertSeconds / this.emitSeconds;
		}

		/** Emits checking the slots over emits without, in transactions per second. */
		double checkedEmitRatio() {
			return this.emitSeconds / this.checkedEmitSeconds;
		}

		/** Time of order plus emit over order plus insert: above 1 is slower. */
		double overheadRatio() {
			return this.orderEmitSeconds / this.orderInsertSeconds;
		}

	}

	/** The outbox table's size and counters. */
	record TableStats(long size, long deadTuples, long deleted, long inserted, long autovacuums) {
	}

	/** One store: its workspace, its relay in a context of its own, and its figures. */
	private static final class Side implements AutoCloseable {

		private final Store store;

		private final Workspace workspace;

		private final SwitchingPublisher publisher = new SwitchingPublisher();

		private final RelayHandle relay;

		private final TransactionTemplate transactions;

		private final JsonMapper jsonMapper;

		private final String insertPlain;

		private final JdbcTemplate jdbc;

		private final OutboxPublisher outbox;

		private final RateWriter writer;

		private final String insertOrder;

		private final OutboxWriter bareWriter;

		private long walBytes;

		private long published;

		private double publishSeconds;

		private long orders;

		private double orderWithOutboxSeconds;

		private double orderAloneSeconds;

		private double orderWithPlainSeconds;

		private Throughput drain;

		private Histogram latency;

		private CountingPublisher latencyCounting;

		private TableStats outageStart;

		private TableStats outageEnd;

		private TableStats outageAfter;

		private long outageSlotLag;

		private long outageMessages;

		private double recoverySeconds;

		private long rowsLeft;

		Side(BenchmarkServer server, Store store, String walCompression) throws Exception {
			this.store = store;
			// a database per store: otherwise the table store's relay would also receive,
			// and drop, every message of the WAL store
			this.workspace = new Workspace(server.database("bench_stores_" + store.label()), "stores_" + store.label(),
					"st" + store.label().charAt(0))
				.reset();
			Map<String, Object> properties = new LinkedHashMap<>(store.properties());
			if (store == Store.WAL) {
				properties.put("outbox.wal.compression", walCompression);
			}
			properties.put("spring.datasource.hikari.maximum-pool-size", 24);
			// an outage is retried until it ends, at most a second apart
			properties.put("outbox.delivery.retry.max-attempts", 0);
			properties.put("outbox.delivery.retry.initial-delay", "100ms");
			properties.put("outbox.delivery.retry.max-delay", "1s");
			// a warning per failed call of the outage would flood the output
			properties.put("logging.level.dev.pgoutbox.relay.Relay", "ERROR");
			RelayHandle started = null;
			try {
				started = RelayHandle.start(this.workspace, this.publisher, properties);
				started.awaitRunning(Duration.ofSeconds(60));
				this.workspace.execute("CREATE TABLE " + this.workspace.schema()
						+ ".orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, order_id text NOT NULL, "
						+ "customer_id text NOT NULL, total numeric(12, 2) NOT NULL, "
						+ "created_at timestamptz NOT NULL DEFAULT now())");
				this.workspace.execute("CREATE TABLE " + this.workspace.schema() + ".plain_messages (LIKE "
						+ this.workspace.table() + " INCLUDING ALL)");
			}
			catch (Exception | Error ex) {
				if (started != null) {
					started.close();
				}
				this.workspace.close();
				throw ex;
			}
			this.relay = started;
			this.transactions = started.transactions();
			this.jdbc = started.jdbc();
			this.outbox = started.outboxPublisher();
			this.writer = new RateWriter(this.outbox, 16);
			this.insertOrder = "INSERT INTO " + this.workspace.schema()
					+ ".orders (order_id, customer_id, total) VALUES (?, ?, ?)";
			// the application's mapper, the one the publisher writes payloads with
			this.jsonMapper = started.bean(JsonMapper.class);
			this.bareWriter = OutboxWriter.wal(BARE_PREFIX, List.of(this.workspace.relaySlot()));
			this.insertPlain = "INSERT INTO " + this.workspace.schema()
					+ ".plain_messages (id, type, msg_key, payload, headers) VALUES (?, ?, ?, ?::json, ?::jsonb)";
		}

		String label() {
			return this.store.label();
		}

		void outboxOnly(long row) {
			Payloads.OrderPlaced order = Payloads.order(row, KEYS);
			this.transactions
				.executeWithoutResult((status) -> this.outbox.publish(Payloads.TYPE, order.customerId(), order));
		}

		void orderWithOutbox(long row) {
			Payloads.OrderPlaced order = Payloads.order(row, KEYS);
			this.transactions.executeWithoutResult((status) -> {
				insertOrder(order);
				this.outbox.publish(Payloads.TYPE, order.customerId(), order);
			});
		}

		void orderWithPlainInsert(long row) {
			Payloads.OrderPlaced order = Payloads.order(row, KEYS);
			this.transactions.executeWithoutResult((status) -> {
				insertOrder(order);
				this.jdbc.update(this.insertPlain, Payloads.timeOrderedId(), Payloads.TYPE, order.customerId(),
						this.jsonMapper.writeValueAsString(order), new SqlParameterValue(Types.VARCHAR, null));
			});
		}

		/** A plain insert of the message into a table like the outbox table. */
		void bareInsert(long row, boolean withOrder) {
			Payloads.OrderPlaced order = Payloads.order(row, KEYS);
			this.transactions.executeWithoutResult((status) -> {
				if (withOrder) {
					insertOrder(order);
				}
				this.jdbc.update(this.insertPlain, Payloads.timeOrderedId(), Payloads.TYPE, order.customerId(),
						this.jsonMapper.writeValueAsString(order), new SqlParameterValue(Types.VARCHAR, null));
			});
		}

		/**
		 * The message emitted in the WAL store's encoding, with a prefix no relay reads,
		 * with or without the check of the slots that the library makes.
		 */
		void bareEmit(long row, boolean withOrder, boolean checked) {
			Payloads.OrderPlaced order = Payloads.order(row, KEYS);
			this.transactions.executeWithoutResult((status) -> {
				if (withOrder) {
					insertOrder(order);
				}
				OutboxWriter.Row message = new OutboxWriter.Row(Payloads.timeOrderedId(), Payloads.TYPE,
						order.customerId(), this.jsonMapper.writeValueAsString(order), null);
				if (checked) {
					// the library's own writer, its statement and slot check
					this.jdbc.execute((ConnectionCallback<Void>) (connection) -> {
						this.bareWriter.insert(connection, List.of(message));
						return null;
					});
				}
				else {
					this.jdbc.queryForObject("SELECT pg_logical_emit_message(true, ?, ?::bytea)", String.class,
							BARE_PREFIX, WalMessageFormat.encode(message));
				}
			});
		}

		void orderAlone(long row) {
			Payloads.OrderPlaced order = Payloads.order(row, KEYS);
			this.transactions.executeWithoutResult((status) -> insertOrder(order));
		}

		/**
		 * An outbox-only transaction committed asynchronously, to write a backlog fast.
		 */
		void backlogMessage(long row) {
			Payloads.OrderPlaced order = Payloads.order(row, KEYS);
			this.transactions.executeWithoutResult((status) -> {
				this.jdbc.execute("SET LOCAL synchronous_commit = off");
				this.outbox.publish(Payloads.TYPE, order.customerId(), order);
			});
		}

		private void insertOrder(Payloads.OrderPlaced order) {
			this.jdbc.update(this.insertOrder, order.orderId(), order.customerId(), new BigDecimal(order.total()));
		}

		double publishRate() {
			return this.published / this.publishSeconds;
		}

		double walBytesPerMessage() {
			return (double) this.walBytes / this.published;
		}

		/**
		 * Time of order plus outbox over order plus a plain insert of the same bytes:
		 * above 1 is slower.
		 */
		double overhead() {
			return this.orderWithOutboxSeconds / this.orderWithPlainSeconds;
		}

		void execute(String sql) throws SQLException {
			this.workspace.execute(sql);
		}

		long walPosition() throws SQLException {
			return queryLong("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint");
		}

		/** WAL the relay's slot holds back: from its restart position to the current. */
		long slotLag() throws SQLException {
			return queryLong("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint "
					+ "FROM pg_replication_slots WHERE slot_name = '" + this.workspace.relaySlot() + "'");
		}

		/**
		 * Waits until the relay's cleaner has deleted every delivered row, or until the
		 * count has not moved for 3 cleanup intervals (rows the cleaner missed stay for
		 * good: they are counted, not waited for).
		 */
		void awaitTableEmpty() throws SQLException {
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			long left = this.workspace.outboxRows();
			long since = System.nanoTime();
			while (left > 0) {
				if (System.nanoTime() - since > Duration.ofSeconds(3).toNanos()) {
					if (left > this.rowsLeft) {
						Progress.say("stores: %s: %,d delivered rows stay in the outbox table, such as %s", label(),
								left, this.jdbc.queryForList(
										"SELECT id, msg_key, created_at FROM " + this.workspace.table() + " LIMIT 3"));
					}
					this.rowsLeft = Math.max(this.rowsLeft, left);
					return;
				}
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException(
							"The " + label() + " store's outbox table still has " + left + " rows after " + TIMEOUT);
				}
				Pause.millis(50);
				long now = this.workspace.outboxRows();
				if (now != left) {
					left = now;
					since = System.nanoTime();
				}
			}
		}

		TableStats tableStats() throws SQLException {
			String table = this.workspace.table();
			try (Connection connection = this.workspace.admin().getConnection();
					PreparedStatement statement = connection
						.prepareStatement("SELECT pg_total_relation_size(relid), n_dead_tup, n_tup_del, n_tup_ins, "
								+ "autovacuum_count FROM pg_stat_user_tables WHERE relid = ?::regclass")) {
				statement.setString(1, table);
				try (ResultSet rs = statement.executeQuery()) {
					if (!rs.next()) {
						throw new IllegalStateException("No statistics for " + table);
					}
					return new TableStats(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
				}
			}
		}

		/**
		 * Waits until the statistics count the deletes of {@code messages} rows since
		 * {@code start} (backends report them with a delay of up to seconds); in the WAL
		 * store, where nothing is deleted, waits a few seconds for good measure.
		 */
		TableStats awaitStats(TableStats start, long messages) throws SQLException {
			long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
			TableStats stats = tableStats();
			if (this.store == Store.WAL) {
				Pause.millis(2_000);
				return tableStats();
			}
			while (stats.deleted() - start.deleted() < messages && System.nanoTime() < deadline) {
				Pause.millis(200);
				stats = tableStats();
			}
			return stats;
		}

		/**
		 * Fails the run if the store was not the one asked for: the WAL store must not
		 * have inserted a single row.
		 */
		void checkStore() throws SQLException {
			long inserted = tableStats().inserted();
			if ((this.store == Store.WAL) != (inserted == 0)) {
				throw new IllegalStateException("outbox.store=" + label()
						+ " was not honoured: the outbox table counts " + inserted + " inserts");
			}
		}

		private long queryLong(String sql) throws SQLException {
			try (Connection connection = this.workspace.admin().getConnection();
					PreparedStatement statement = connection.prepareStatement(sql);
					ResultSet rs = statement.executeQuery()) {
				rs.next();
				return rs.getLong(1);
			}
		}

		@Override
		public void close() throws Exception {
			try {
				this.relay.close();
			}
			finally {
				this.workspace.close();
			}
		}

	}

}
