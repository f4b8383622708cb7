package dev.pgoutbox.benchmark;

import java.time.Duration;
import java.util.Map;

import dev.pgoutbox.OutboxHandler;

import static dev.pgoutbox.benchmark.ScenarioResult.decimal;

/**
 * The drain of the drain scenario's backlog with three no-op handlers (three
 * {@link OutboxHandler} beans, each with its own dispatcher) against the same with one,
 * on backlogs of the same size in the same run. A message counts once every handler has
 * had it: the rate is outbox messages per second, not calls.
 *
 * <p>
 * A smaller pass of each warms both up; then passes alternate which goes first (one
 * first, three first, ...), so that drift on a shared machine hits both alike.
 */
final class FanoutScenario implements Scenario {

	private static final int KEYS = 1_000;

	private static final double TARGET = 0.8;

	private static final Duration TIMEOUT = Duration.ofMinutes(10);

	@Override
	public ScenarioResult run(BenchmarkServer server, BenchmarkOptions options) throws Exception {
		int rows = options.fanoutRows();
		int passes = Math.max(1, options.fanoutPasses());
		drain(server, Math.max(1_000, rows / 5), 1);
		drain(server, Math.max(1_000, rows / 5), 3);
		double oneSeconds = 0;
		double threeSeconds = 0;
		StringBuilder passRatios = new StringBuilder();
		for (int i = 0; i < passes; i++) {
			boolean oneFirst = (i % 4 == 0) || (i % 4 == 3);
			double one;
			double three;
			if (oneFirst) {
				one = drain(server, rows, 1);
				three = drain(server, rows, 3);
			}
			else {
				three = drain(server, rows, 3);
				one = drain(server, rows, 1);
			}
			oneSeconds += one;
			threeSeconds += three;
			passRatios.append((i > 0) ? "," : "").append(decimal(one / three));
		}
		double oneRate = (double) rows * passes / oneSeconds;
		double threeRate = (double) rows * passes / threeSeconds;
		double ratio = threeRate / oneRate;
		ScenarioResult result = new ScenarioResult("fanout");
		result.put("ratio", ratio)
			.put("one_msg_per_s", oneRate)
			.put("three_msg_per_s", threeRate)
			.put("rows", rows)
			.put("passes", passes)
			.put("pass_ratios", passRatios)
			.put("target_ratio", TARGET);
		result.row(new ScenarioResult.Row("fanout", String.format("3 handlers %,.0f msg/s", threeRate),
				String.format("1 handler %,.0f msg/s", oneRate), decimal(ratio), ">= 0.8 x 1 handler",
				ratio >= TARGET));
		return result;
	}

	/**
	 * Drains a new backlog of {@code rows} through {@code handlers} no-op handlers.
	 * @return seconds from the first call to the call that completed the last message
	 */
	private static double drain(BenchmarkServer server, int rows, int handlers) throws Exception {
		try (Workspace workspace = new Workspace(server, "fanout_" + handlers, "f" + handlers).reset()) {
			// one counter for all handlers: done when it has seen every message of each
			CountingPublisher publisher = new CountingPublisher((long) rows * handlers, Duration.ZERO);
			Map<String, Object> properties = Map.of("outbox.kafka.enabled", "false");
			try (RelayHandle relay = RelayHandle.startIdleWith(workspace, properties, (context) -> {
				for (int i = 1; i <= handlers; i++) {
					// a publisher instance per handler: the same one would be one handler
					OutboxHandler handler = OutboxHandler.of("noop" + i, publisher::publish);
					context.registerBean("noopHandler" + i, OutboxHandler.class, () -> handler);
				}
			})) {
				long writeStart = System.nanoTime();
				workspace.writeOneRowTransactions(1, rows, KEYS);
				double writeSeconds = (System.nanoTime() - writeStart) / 1e9;
				relay.startRelay();
				if (!publisher.awaitExpected(TIMEOUT)) {
					throw new IllegalStateException("The relay published " + publisher.published() + " of "
							+ (long) rows * handlers + " calls within " + TIMEOUT);
				}
				Throughput throughput = publisher.throughput();
				double seconds = throughput.seconds();
				Progress.say(
						"fanout: %d handler(s): %,d one-row transactions written in %.1f s, drained at %,.0f msg/s "
								+ "(%,.0f calls/s), JVM CPU %.1f us per message",
						handlers, rows, writeSeconds, rows / seconds, throughput.perSecond(),
						throughput.cpuNanos() / 1e3 / rows);
				Progress.say("fanout: %d handler(s): per call, user+kernel CPU and context switches by thread: %s",
						handlers, publisher.threadCpuPerMessage());
				return seconds;
			}
		}
	}

}
