package dev.pgoutbox.benchmark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One transaction of a million outbox rows, drained by a relay in a JVM with a small heap
 * ({@code -Xmx128m} by default): it must deliver every row without running out of memory;
 * the peak heap is reported.
 */
final class MemoryScenario implements Scenario {

	private static final long TIMEOUT_SECONDS = 900;

	@Override
	public ScenarioResult run(BenchmarkServer server, BenchmarkOptions options) throws Exception {
		int rows = options.memoryRows();
		try (Workspace workspace = new Workspace(server, "memory", "me").reset()) {
			RelayHandle.prepareSlot(workspace, Map.of());
			long writeStart = System.nanoTime();
			String insideTransaction = workspace.writeOneTransaction(1, rows, 1_000);
			Progress.say("memory: wrote one transaction of %,d rows in %.1f s", rows,
					(System.nanoTime() - writeStart) / 1e9);

			long start = System.nanoTime();
			Child child = runChild(server, workspace, options, rows);
			double seconds = (System.nanoTime() - start) / 1e9;
			boolean oom = child.exitCode == 3 || child.output.contains("OutOfMemoryError");
			boolean confirmed = workspace.relaySlotConfirmedPast(insideTransaction);
			long left = workspace.outboxRows();
			Map<String, String> figures = child.figures();
			boolean drained = "true".equals(figures.get("drained")) && confirmed && left == 0;
			if (!drained || oom) {
				Progress.say("memory: relay JVM exited with %d; its output:%n%s", child.exitCode, child.output);
			}
			ScenarioResult result = new ScenarioResult("memory");
			result.put("rows", rows)
				.put("heap", "-Xmx" + options.memoryHeap())
				.put("drained", drained)
				.put("oom", oom)
				.put("published", figures.getOrDefault("published", "0"))
				.put("slot_confirmed_past_tx", confirmed)
				.put("rows_left_in_table", left)
				.put("peak_heap_mb", figures.getOrDefault("peak_heap_mb", "-"))
				.put("peak_old_gen_mb", figures.getOrDefault("peak_old_gen_mb", "-"))
				.put("sampled_peak_heap_mb", figures.getOrDefault("sampled_peak_heap_mb", "-"))
				.put("msg_per_s", figures.getOrDefault("msg_per_s", "-"))
				.put("gc_count", figures.getOrDefault("gc_count", "-"))
				.put("gc_ms", figures.getOrDefault("gc_ms", "-"))
				.put("child_s", seconds);
			Progress.say("memory: drained=%s oom=%s peak heap %s MB, %s msg/s", drained, oom,
					figures.get("peak_heap_mb"), figures.get("msg_per_s"));
			result.row(new ScenarioResult.Row("memory",
					String.format("%,d of %,d drained, peak heap %s MB of %s",
							Long.parseLong(figures.getOrDefault("published", "0")), rows,
							figures.getOrDefault("peak_heap_mb", "?"), options.memoryHeap()),
					"-", "-", "drained, no OOM", drained && !oom));
			return result;
		}
	}

	private static Child runChild(BenchmarkServer server, Workspace workspace, BenchmarkOptions options, int rows)
			throws Exception {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-Xmx" + options.memoryHeap());
		command.add("-XX:+ExitOnOutOfMemoryError");
		if (options.profile() != null) {
			Files.createDirectories(options.profile());
			command.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
					+ options.profile().resolve("memory-relay-jvm.jfr").toAbsolutePath());
		}
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(MemoryChild.class.getName());
		command.add(server.url());
		command.add(server.username());
		command.add(workspace.name());
		command.add(workspace.code());
		command.add(Integer.toString(rows));
		command.add(Long.toString(TIMEOUT_SECONDS));
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		if (server.password() != null) {
			builder.environment().put("BENCH_PASSWORD", server.password());
		}
		Process process = builder.start();
		StringBuilder output = new StringBuilder();
		Thread reader = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = in.readLine()) != null) {
					synchronized (output) {
						output.append(line).append('\n');
					}
				}
			}
			catch (IOException ex) {
				// the process went away; what was read is kept
			}
		}, "bench-child-output");
		reader.start();
		if (!process.waitFor(TIMEOUT_SECONDS + 60, TimeUnit.SECONDS)) {
			process.destroyForcibly().waitFor();
		}
		reader.join(TimeUnit.SECONDS.toMillis(10));
		synchronized (output) {
			return new Child(process.exitValue(), output.toString());
		}
	}

	/** What the relay JVM did. */
	private record Child(int exitCode, String output) {

		Map<String, String> figures() {
			Map<String, String> figures = new LinkedHashMap<>();
			for (String line : this.output.split("\n")) {
				if (line.startsWith("MEMORY ")) {
					for (String pair : line.substring(7).split(" ")) {
						int equals = pair.indexOf('=');
						figures.put(pair.substring(0, equals), pair.substring(equals + 1));
					}
				}
			}
			return figures;
		}

	}

}
