package dev.pgoutbox.benchmark;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.pgoutbox.benchmark.ScenarioResult.decimal;

/**
 * A broker that takes a fixed time per message: how delivery scales with
 * {@code outbox.delivery.concurrency} over a backlog spread over many keys, against
 * concurrency 1 in the same run.
 */
final class SlowBrokerScenario implements Scenario {

	private static final int TARGET_CONCURRENCY = 16;

	private static final double TARGET = 12.0;

	@Override
	public ScenarioResult run(BenchmarkServer server, BenchmarkOptions options) throws Exception {
		ScenarioResult result = new ScenarioResult("slow-broker");
		List<Integer> concurrencies = options.slowConcurrencies();
		int rows = options.slowRows();
		Duration pause = Duration.ofMillis(options.slowPublishMillis());
		result.put("rows", rows).put("keys", options.slowKeys()).put("publish_ms", options.slowPublishMillis());
		double baseline = 0;
		for (int concurrency : concurrencies) {
			Throughput throughput = drain(server, concurrency, rows, options.slowKeys(), pause);
			double rate = throughput.perSecond();
			if (baseline == 0) {
				baseline = rate;
			}
			double speedUp = rate / baseline;
			double ideal = concurrency * 1000.0 / options.slowPublishMillis();
			result.put("c" + concurrency + "_msg_per_s", rate).put("c" + concurrency + "_speedup", speedUp);
			Progress.say("slow-broker: concurrency %d: %,.0f msg/s, %sx concurrency %d (%.0f%% of %,.0f msg/s ideal)",
					concurrency, rate, decimal(speedUp), concurrencies.get(0), 100 * rate / ideal, ideal);
			boolean targeted = concurrency == TARGET_CONCURRENCY && concurrencies.get(0) == 1;
			result.row(new ScenarioResult.Row("slow-broker c=" + concurrency, String.format("%,.0f msg/s", rate),
					(concurrency == concurrencies.get(0)) ? "-"
							: String.format("c=%d %,.0f msg/s", concurrencies.get(0), baseline),
					decimal(speedUp), targeted ? ">= 12 x c=1" : "-", targeted ? speedUp >= TARGET : null));
		}
		return result;
	}

	private static Throughput drain(BenchmarkServer server, int concurrency, int rows, int keys, Duration pause)
			throws Exception {
		Map<String, Object> properties = Map.of("outbox.delivery.concurrency", concurrency);
		try (Workspace workspace = new Workspace(server, "slow_broker_" + concurrency, "s" + concurrency).reset()) {
			CountingPublisher publisher = new CountingPublisher(rows, pause);
			Duration timeout = pause.multipliedBy(rows * 3L / concurrency).plusMinutes(2);
			// the slot exists before the backlog, which is read from the WAL
			try (RelayHandle relay = RelayHandle.startIdle(workspace, publisher, properties)) {
				workspace.writeOneRowTransactions(1, rows, keys);
				relay.startRelay();
				if (!publisher.awaitExpected(timeout)) {
					throw new IllegalStateException("The relay published " + publisher.published() + " of " + rows
							+ " messages within " + timeout);
				}
				return publisher.throughput();
			}
		}
	}

}
