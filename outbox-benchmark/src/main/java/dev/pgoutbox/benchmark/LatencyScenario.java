package dev.pgoutbox.benchmark;

import java.time.Duration;
import java.util.Map;

import org.HdrHistogram.Histogram;

import static dev.pgoutbox.benchmark.ScenarioResult.decimal;

/**
 * A steady writer at fixed rates while the relay runs: commit-to-publish latency, from
 * the commit time pgoutput reports to the end of the publish call, on one clock. Beside
 * it, for reference (the issue sets no baseline), a bare pgjdbc reader on a second slot
 * measures the same at the Insert's arrival, and the writer reports when each commit
 * returned, which splits the relay's latency into the server's WAL flush and the rest.
 */
final class LatencyScenario implements Scenario {

	private static final int WARM_UP_SECONDS = 3;

	@Override
	public ScenarioResult run(BenchmarkServer server, BenchmarkOptions options) throws Exception {
		ScenarioResult result = new ScenarioResult("latency");
		try (Workspace workspace = new Workspace(server, "latency", "la").reset()) {
			CountingPublisher publisher = new CountingPublisher(Long.MAX_VALUE, Duration.ZERO);
			Map<String, Object> pool = Map.of("spring.datasource.hikari.maximum-pool-size",
					options.latencyWriters() + 4);
			try (RelayHandle relay = RelayHandle.start(workspace, publisher, pool)) {
				relay.awaitRunning(Duration.ofSeconds(60));
				workspace.createFloorSlot();
				FloorLatencyReader floor = options.latencyFloor() ? new FloorLatencyReader(workspace) : null;
				RateWriter writer = new RateWriter(relay.outboxPublisher(), options.latencyWriters());
				long written = writer.run(options.latencyRates().get(0), WARM_UP_SECONDS, null).written();
				awaitDelivered(publisher, written);
				for (int rate : options.latencyRates()) {
					CommitReturns returns = new CommitReturns();
					Histogram latency = publisher.recordLatency(returns);
					Histogram floorLatency = (floor != null) ? floor.record() : null;
					RateWriter.Result run = writer.run(rate, options.latencySeconds(), returns);
					written += run.written();
					awaitDelivered(publisher, written);
					report(result, rate, run, latency, returns.afterCommit(), floorLatency);
				}
				if (floor != null) {
					floor.close();
				}
			}
		}
		return result;
	}

	private static void awaitDelivered(CountingPublisher publisher, long written) {
		if (!publisher.awaitCount(written, Duration.ofMinutes(2))) {
			throw new IllegalStateException(
					"The relay published " + publisher.published() + " of " + written + " messages written");
		}
	}

	private static void report(ScenarioResult result, int rate, RateWriter.Result run, Histogram latency,
			Histogram afterCommit, Histogram floor) {
		double p50 = millis(latency, 50);
		double p99 = millis(latency, 99);
		String prefix = "r" + rate + "_";
		result.put(prefix + "achieved_tx_per_s", run.achievedRate())
			.put(prefix + "count", latency.getTotalCount())
			.put(prefix + "p50_ms", p50)
			.put(prefix + "p90_ms", millis(latency, 90))
			.put(prefix + "p99_ms", p99)
			.put(prefix + "p999_ms", millis(latency, 99.9))
			.put(prefix + "max_ms", latency.getMaxValue() / 1000.0)
			.put(prefix + "commit_p50_ms", millis(run.commits(), 50))
			.put(prefix + "commit_p99_ms", millis(run.commits(), 99))
			.put(prefix + "after_commit_returned_p50_ms", millis(afterCommit, 50))
			.put(prefix + "after_commit_returned_p99_ms", millis(afterCommit, 99))
			.put(prefix + "floor_p50_ms", (floor != null) ? millis(floor, 50) : "-")
			.put(prefix + "floor_p99_ms", (floor != null) ? millis(floor, 99) : "-")
			.put(prefix + "late_tx", run.late());
		String target;
		Boolean met;
		if (rate == 1_000) {
			target = "p50 <= 3 ms, p99 <= 10 ms";
			met = p50 <= 3 && p99 <= 10;
		}
		else if (rate == 3_000) {
			target = "p99 <= 25 ms";
			met = p99 <= 25;
		}
		else {
			target = "-";
			met = null;
		}
		String floorText = (floor != null)
				? "p50 " + decimal(millis(floor, 50)) + " ms, p99 " + decimal(millis(floor, 99)) + " ms"
				: "not measured";
		Progress.say("latency: %,d tx/s (achieved %,.0f): p50 %s ms, p99 %s ms, max %s ms; the writer's commit call: "
				+ "p50 %s ms, p99 %s ms; publish after the commit returned: p50 %s ms, p99 %s ms; floor reader %s",
				rate, run.achievedRate(), decimal(p50), decimal(p99), decimal(latency.getMaxValue() / 1000.0),
				decimal(millis(run.commits(), 50)), decimal(millis(run.commits(), 99)),
				decimal(millis(afterCommit, 50)), decimal(millis(afterCommit, 99)), floorText);
		result.row(new ScenarioResult.Row("latency " + String.format("%,d", rate) + "/s",
				"p50 " + decimal(p50) + " ms, p99 " + decimal(p99) + " ms",
				(floor != null) ? "floor " + floorText.replace(" ms,", ",") : "-", "-", target, met));
	}

	private static double millis(Histogram histogram, double percentile) {
		return histogram.getValueAtPercentile(percentile) / 1000.0;
	}

}
