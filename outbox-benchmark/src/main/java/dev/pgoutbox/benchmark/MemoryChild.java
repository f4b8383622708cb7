package dev.pgoutbox.benchmark;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static dev.pgoutbox.benchmark.ScenarioResult.decimal;

/**
 * The relay of the memory scenario, in a JVM of its own with a small heap: drains the
 * workspace's slot and prints one {@code MEMORY key=value ...} line with the peak heap.
 *
 * <p>
 * Arguments: JDBC URL, username, workspace name and code, expected messages, timeout in
 * seconds; the password, if any, in the environment variable {@code BENCH_PASSWORD}.
 */
public final class MemoryChild {

	private static final double MB = 1024.0 * 1024.0;

	private MemoryChild() {
	}

	public static void main(String[] args) throws Exception {
		BenchmarkServer server = BenchmarkServer.external(args[0], args[1], System.getenv("BENCH_PASSWORD"));
		long expected = Long.parseLong(args[4]);
		Duration timeout = Duration.ofSeconds(Long.parseLong(args[5]));
		AtomicLong sampledPeak = new AtomicLong();
		Thread sampler = new Thread(() -> {
			while (true) {
				long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
				sampledPeak.accumulateAndGet(used, Math::max);
				Pause.millis(10);
			}
		}, "bench-heap-sampler");
		sampler.setDaemon(true);
		sampler.start();
		CountingPublisher publisher = new CountingPublisher(expected, Duration.ZERO);
		boolean drained;
		// the workspace is the parent's: it checks and drops it
		Workspace workspace = new Workspace(server, args[2], args[3]);
		try (RelayHandle relay = RelayHandle.start(workspace, publisher, Map.of())) {
			drained = publisher.awaitExpected(timeout);
		}
		finally {
			workspace.admin().close();
		}
		long poolPeaks = 0;
		long oldPeak = 0;
		for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
			if (pool.getType() == MemoryType.HEAP) {
				poolPeaks += pool.getPeakUsage().getUsed();
				if (pool.getName().contains("Old") || pool.getName().contains("Tenured")) {
					oldPeak = pool.getPeakUsage().getUsed();
				}
			}
		}
		long gcCount = 0;
		long gcMillis = 0;
		for (var collector : ManagementFactory.getGarbageCollectorMXBeans()) {
			gcCount += collector.getCollectionCount();
			gcMillis += collector.getCollectionTime();
		}
		Throughput throughput = publisher.throughput();
		System.out.println("MEMORY published=" + publisher.published() + " drained=" + drained + " msg_per_s="
				+ decimal(drained ? throughput.perSecond() : 0) + " peak_heap_mb=" + decimal(poolPeaks / MB)
				+ " peak_old_gen_mb=" + decimal(oldPeak / MB) + " sampled_peak_heap_mb="
				+ decimal(sampledPeak.get() / MB) + " max_heap_mb=" + decimal(Runtime.getRuntime().maxMemory() / MB)
				+ " gc_count=" + gcCount + " gc_ms=" + gcMillis);
		System.out.flush();
		System.exit(drained ? 0 : 2);
	}

}
