package dev.pgoutbox.benchmark;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs the outbox benchmark: starts an embedded PostgreSQL (or uses the one given), runs
 * the chosen scenarios, each against a baseline measured in the same run, and prints a
 * table and one {@code RESULT <scenario> key=value ...} line per scenario.
 */
public final class Benchmark {

	private static final Map<String, Supplier<Scenario>> SCENARIOS = Map.of("drain", DrainScenario::new, "latency",
			LatencyScenario::new, "overhead", OverheadScenario::new, "memory", MemoryScenario::new, "slow-broker",
			SlowBrokerScenario::new, "stores", StoresScenario::new, "floor", FloorVariantsScenario::new, "kafka",
			KafkaScenario::new, "fanout", FanoutScenario::new);

	private Benchmark() {
	}

	public static void main(String[] args) throws Exception {
		if (Arrays.asList(args).contains("--help")) {
			System.out.print(BenchmarkOptions.USAGE);
			return;
		}
		BenchmarkOptions options;
		try {
			options = BenchmarkOptions.parse(args);
		}
		catch (IllegalArgumentException ex) {
			System.err.println(ex.getMessage());
			System.exit(64);
			return;
		}
		List<ScenarioResult> results = run(options);
		System.exit(results.stream().anyMatch((result) -> result.resultLine().contains(" error=")) ? 1 : 0);
	}

	/**
	 * Runs the scenarios of {@code options} and prints their results.
	 * @return the results, in order
	 */
	static List<ScenarioResult> run(BenchmarkOptions options) throws Exception {
		List<ScenarioResult> results = new ArrayList<>();
		long started = System.nanoTime();
		try (BenchmarkServer server = BenchmarkServer.start(options)) {
			printMachine(server);
			for (String name : options.scenarios()) {
				Progress.say("scenario %s", name);
				long scenarioStart = System.nanoTime();
				try (Profiler profiler = Profiler.start(options.profile(), name)) {
					results.add(SCENARIOS.get(name).get().run(server, options));
				}
				catch (Exception ex) {
					ex.printStackTrace(System.out);
					results.add(ScenarioResult.failed(name, ex));
				}
				Progress.say("scenario %s took %.0f s", name, (System.nanoTime() - scenarioStart) / 1e9);
			}
		}
		Progress.say("benchmark took %.0f s", (System.nanoTime() - started) / 1e9);
		printTable(results);
		return results;
	}

	private static void printMachine(BenchmarkServer server) throws Exception {
		long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getTotalMemorySize();
		Progress.say("machine: %d cores, %.1f GiB memory, %s %s (%s), %s", Runtime.getRuntime().availableProcessors(),
				memory / (1024.0 * 1024 * 1024), System.getProperty("java.vm.name"), System.getProperty("java.version"),
				String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()),
				System.getProperty("os.name") + " " + System.getProperty("os.version"));
		Progress.say("postgresql: %s (%s), fsync=%s, synchronous_commit=%s, wal_level=%s",
				server.show("server_version"), server.isEmbedded() ? "embedded" : "given URL", server.show("fsync"),
				server.show("synchronous_commit"), server.show("wal_level"));
	}

	private static void printTable(List<ScenarioResult> results) {
		List<String[]> lines = new ArrayList<>();
		lines.add(new String[] { "scenario", "figure", "baseline (same run)", "ratio", "target", "met" });
		for (ScenarioResult result : results) {
			for (ScenarioResult.Row row : result.rows()) {
				lines.add(new String[] { row.scenario(), row.figure(), row.baseline(), row.ratio(), row.target(),
						row.metText() });
			}
		}
		int[] widths = new int[6];
		for (String[] line : lines) {
			for (int i = 0; i < line.length; i++) {
				widths[i] = Math.max(widths[i], line[i].length());
			}
		}
		System.out.println();
		for (int n = 0; n < lines.size(); n++) {
			StringBuilder text = new StringBuilder("|");
			for (int i = 0; i < widths.length; i++) {
				text.append(' ').append(pad(lines.get(n)[i], widths[i])).append(" |");
			}
			System.out.println(text);
			if (n == 0) {
				StringBuilder rule = new StringBuilder("|");
				for (int width : widths) {
					rule.append(' ').append("-".repeat(width)).append(" |");
				}
				System.out.println(rule);
			}
		}
		System.out.println();
		results.forEach((result) -> System.out.println(result.resultLine()));
		System.out.flush();
	}

	private static String pad(String text, int width) {
		return text + " ".repeat(width - text.length());
	}

}
