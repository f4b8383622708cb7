package dev.pgoutbox.benchmark;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import static dev.pgoutbox.benchmark.ScenarioResult.decimal;

/**
 * What each way of reading a slot with pgjdbc is worth, to choose the drain's floor:
 * every {@link FloorReader.Variant} reads the same backlog of one-row transactions from a
 * slot of its own, one after the other, the order rotating from pass to pass. Rates are
 * against the first variant of {@code --floor-variants}.
 */
final class FloorVariantsScenario implements Scenario {

	private static final int KEYS = 1_000;

	private static final Duration TIMEOUT = Duration.ofMinutes(10);

	@Override
	public ScenarioResult run(BenchmarkServer server, BenchmarkOptions options) throws Exception {
		int rows = options.drainRows();
		int passes = Math.max(1, options.drainPasses());
		FloorReader.Variant[] variants = options.floorVariants().toArray(new FloorReader.Variant[0]);
		Map<FloorReader.Variant, Throughput> totals = new LinkedHashMap<>();
		Map<FloorReader.Variant, Double> walsender = new LinkedHashMap<>();
		Map<FloorReader.Variant, Long> readerCpu = new LinkedHashMap<>();
		try (Workspace workspace = new Workspace(server, "floor_variants", "fv").reset()) {
			// the relay creates the outbox table and the publication
			RelayHandle.prepareSlot(workspace, Map.of());
			read(workspace, variants, Math.max(1_000, rows / 5), 0, 1, null, null, null);
			for (int pass = 0; pass < passes; pass++) {
				read(workspace, variants, rows, 1 + (pass + 1) * rows, pass, totals, walsender, readerCpu);
			}
		}
		long messages = (long) rows * passes;
		FloorReader.Variant base = variants[0];
		double floor = totals.get(base).perSecond();
		ScenarioResult result = new ScenarioResult("floor");
		result.put("rows", rows).put("passes", passes);
		for (FloorReader.Variant variant : variants) {
			String key = variant.name().toLowerCase(Locale.ROOT);
			Throughput throughput = totals.get(variant);
			double ratio = throughput.perSecond() / floor;
			result.put(key + "_msg_per_s", throughput.perSecond())
				.put(key + "_ratio", ratio)
				.put(key + "_jvm_cpu_us_per_msg", throughput.cpuNanos() / 1e3 / messages)
				.put(key + "_reader_thread_cpu_us_per_msg", readerCpu.get(variant) / 1e3 / messages)
				.put(key + "_walsender_cpu_us_per_msg", walsender.get(variant) * 1e6 / messages);
			result.row(new ScenarioResult.Row("floor " + variant.label(),
					String.format("%,.0f msg/s", throughput.perSecond()),
					(variant == base) ? "-" : String.format("%s %,.0f msg/s", base.label(), floor), decimal(ratio), "-",
					null));
		}
		return result;
	}

	/**
	 * Creates a slot per variant, writes one backlog and reads it with every variant,
	 * starting with the {@code pass}-th, then drops the slots: the floor confirms
	 * nothing, so a slot would stream its earlier backlogs again.
	 */
	private static void read(Workspace workspace, FloorReader.Variant[] variants, int rows, int firstRow, int pass,
			Map<FloorReader.Variant, Throughput> totals, Map<FloorReader.Variant, Double> walsender,
			Map<FloorReader.Variant, Long> readerCpu) throws Exception {
		for (FloorReader.Variant variant : variants) {
			workspace
				.execute("SELECT pg_create_logical_replication_slot('" + slot(variant, workspace) + "', 'pgoutput')");
		}
		workspace.writeOneRowTransactions(firstRow, rows, KEYS);
		StringBuilder line = new StringBuilder();
		for (int i = 0; i < variants.length; i++) {
			FloorReader.Variant variant = variants[(pass + i) % variants.length];
			FloorReader.Result result = FloorReader.drain(workspace, slot(variant, workspace), variant, rows, TIMEOUT);
			if (totals != null) {
				totals.merge(variant, result.throughput(), Throughput::plus);
				walsender.merge(variant, result.walsenderCpuSeconds(), Double::sum);
				readerCpu.merge(variant, result.readerCpuNanos(), Long::sum);
			}
			line.append((i > 0) ? ", " : "")
				.append(variant.label())
				.append(String.format(" %,.0f msg/s", result.throughput().perSecond()));
			workspace.dropSlot(slot(variant, workspace));
		}
		Progress.say("floor variants, %,d rows: %s", rows, line);
	}

	private static String slot(FloorReader.Variant variant, Workspace workspace) {
		return workspace.code() + "_" + variant.name().toLowerCase(Locale.ROOT);
	}

}
