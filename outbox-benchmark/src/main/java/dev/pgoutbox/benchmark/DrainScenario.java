package dev.pgoutbox.benchmark;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static dev.pgoutbox.benchmark.ScenarioResult.decimal;

/**
 * A backlog of one-row transactions, written while no one reads the slots, drained by the
 * relay with a no-op publisher and, as the floor, by a bare pgjdbc stream counting Insert
 * (table store) or Message (WAL store) records; both read the same WAL, from slots
 * created before the backlog. Each store of {@code --stores} is drained in turn.
 *
 * <p>
 * A smaller pass first warms both up, so that neither pays the JIT compiler for the
 * other; then several passes, each on a new backlog, in the order floor-relay,
 * relay-floor, relay-floor, floor-relay, so that drift on a shared machine hits both
 * alike. Rates are over all passes.
 */
final class DrainScenario implements Scenario {

	private static final int KEYS = 1_000;

	private static final double TARGET = 0.8;

	private static final Duration TIMEOUT = Duration.ofMinutes(10);

	/** Threads writing a WAL-store backlog through the outbox's publisher. */
	private static final int WAL_WRITERS = 4;

	@Override
	public ScenarioResult run(BenchmarkServer server, BenchmarkOptions options) throws Exception {
		ScenarioResult result = new ScenarioResult("drain");
		for (StoresScenario.Store store : options.stores()) {
			drain(server, options, store, result);
		}
		return result;
	}

	/**
	 * Drains the backlogs of one store; the table store's figures are the line's main
	 * ones, another store's carry its name as a prefix.
	 */
	private static void drain(BenchmarkServer server, BenchmarkOptions options, StoresScenario.Store store,
			ScenarioResult result) throws Exception {
		int rows = options.drainRows();
		int passes = Math.max(1, options.drainPasses());
		measure(server, store, "drain_warm_up", Math.max(1_000, rows / 5), true);
		Throughput relay = null;
		Throughput floor = null;
		long floorReaderCpu = 0;
		double relayWalsender = 0;
		double floorWalsender = 0;
		StringBuilder passRatios = new StringBuilder();
		String relayThreads = "";
		String floorThreads = "";
		for (int i = 0; i < passes; i++) {
			// floor first, relay first, relay first, floor first, ...: order effects
			// cancel out
			boolean floorFirst = (i % 4 == 0) || (i % 4 == 3);
			Pass pass = measure(server, store, "drain", rows, floorFirst);
			relay = (relay != null) ? relay.plus(pass.relay()) : pass.relay();
			floor = (floor != null) ? floor.plus(pass.floor()) : pass.floor();
			floorReaderCpu += pass.floorReaderCpuNanos();
			relayWalsender += pass.relayWalsender();
			floorWalsender += pass.floorWalsender();
			passRatios.append((i > 0) ? "," : "").append(decimal(pass.relay().perSecond() / pass.floor().perSecond()));
			relayThreads = pass.relayThreads();
			floorThreads = pass.floorThreads();
		}
		long messages = (long) rows * passes;
		double ratio = relay.perSecond() / floor.perSecond();
		String p = (store == StoresScenario.Store.TABLE) ? "" : store.label() + "_";
		if (p.isEmpty()) {
			result.put("rows", rows).put("passes", passes);
		}
		result.put(p + "relay_msg_per_s", relay.perSecond())
			.put(p + "floor_msg_per_s", floor.perSecond())
			.put(p + "ratio", ratio)
			.put(p + "target_ratio", TARGET)
			.put(p + "pass_ratios", passRatios)
			.put(p + "relay_jvm_cpu_us_per_msg", relay.cpuNanos() / 1e3 / messages)
			.put(p + "floor_jvm_cpu_us_per_msg", floor.cpuNanos() / 1e3 / messages)
			.put(p + "floor_reader_thread_cpu_us_per_msg", floorReaderCpu / 1e3 / messages)
			.put(p + "relay_threads_per_msg_last_pass", relayThreads)
			.put(p + "floor_threads_per_msg_last_pass", floorThreads)
			.put(p + "relay_walsender_cpu_us_per_msg", relayWalsender * 1e6 / messages)
			.put(p + "floor_walsender_cpu_us_per_msg", floorWalsender * 1e6 / messages);
		result.row(new ScenarioResult.Row("drain, " + store.label() + " store",
				String.format("relay %,.0f msg/s", relay.perSecond()),
				String.format("floor %,.0f msg/s", floor.perSecond()), decimal(ratio), ">= 0.8 x floor",
				ratio >= TARGET));
	}

	private static Pass measure(BenchmarkServer server, StoresScenario.Store store, String name, int rows,
			boolean floorFirst) throws Exception {
		boolean wal = store == StoresScenario.Store.WAL;
		String schema = wal ? "w" + name : name;
		String slots = (name.equals("drain") ? "dr" : "dw") + (wal ? "w" : "");
		try (Workspace workspace = new Workspace(server, schema, slots).reset()) {
			CountingPublisher publisher = new CountingPublisher(rows, Duration.ZERO);
			FloorReader.Result floor = null;
			double relayWalsender;
			double writeSeconds;
			// the relay's slot and schema exist before the backlog, so that the relay
			// reads it from the WAL
			try (RelayHandle relay = RelayHandle.startIdle(workspace, publisher, store.properties())) {
				workspace.createFloorSlot();
				long writeStart = System.nanoTime();
				if (wal) {
					// through the outbox's own writer: the WAL store's format is its own
					Writers.run((row) -> {
						Payloads.OrderPlaced order = Payloads.order(row, KEYS);
						relay.transactions().executeWithoutResult((status) -> {
							relay.jdbc().execute("SET LOCAL synchronous_commit = off");
							relay.outboxPublisher().publish(Payloads.TYPE, order.customerId(), order);
						});
					}, rows, WAL_WRITERS, new AtomicLong());
				}
				else {
					workspace.writeOneRowTransactions(1, rows, KEYS);
				}
				writeSeconds = (System.nanoTime() - writeStart) / 1e9;
				if (floorFirst) {
					floor = FloorReader.drain(workspace, rows, TIMEOUT);
				}
				relay.startRelay();
				if (!publisher.awaitExpected(TIMEOUT)) {
					throw new IllegalStateException("The relay published " + publisher.published() + " of " + rows
							+ " messages within " + TIMEOUT);
				}
				relayWalsender = server.isEmbedded() ? Cpu.ofProcess(workspace.walsenderPid(workspace.relaySlot()))
						: -1;
			}
			if (floor == null) {
				floor = FloorReader.drain(workspace, rows, TIMEOUT);
			}
			Progress.say(
					"%s (%s store): %,d one-row transactions written in %.1f s; floor %,.0f msg/s, relay %,.0f "
							+ "msg/s (%s first)",
					name, store.label(), rows, writeSeconds, floor.throughput().perSecond(),
					publisher.throughput().perSecond(), floorFirst ? "floor" : "relay");
			Progress.say("%s (%s store): per message, user+kernel CPU and context switches by thread: relay %s; "
					+ "floor %s", name, store.label(), publisher.threadCpuPerMessage(), floor.threads());
			return new Pass(floor.throughput(), publisher.throughput(), floor.readerCpuNanos(),
					publisher.threadCpuPerMessage(), floor.threads(), floor.walsenderCpuSeconds(), relayWalsender,
					writeSeconds);
		}
	}

	/** One drain of one backlog by both readers. */
	private record Pass(Throughput floor, Throughput relay, long floorReaderCpuNanos, String relayThreads,
			String floorThreads, double floorWalsender, double relayWalsender, double writeSeconds) {
	}

}
