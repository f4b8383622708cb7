package dev.pgoutbox.benchmark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * CPU time and context switches of this JVM's threads grouped by role (the relay's
 * reader, its delivery lanes, its cleanup, the JIT compiler, the garbage collector), so
 * that a figure can be split by who spent it. On Linux it reads /proc, which also tells
 * user from kernel time; elsewhere it falls back to the JVM's per-thread CPU time.
 */
final class ThreadCpu {

	private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

	private static final Path TASKS = Path.of("/proc/self/task");

	/** Nanoseconds per clock tick of /proc, 100 ticks a second on every common Linux. */
	private static final long TICK_NANOS = 10_000_000L;

	private ThreadCpu() {
	}

	/**
	 * Returns, per thread group: user nanoseconds, kernel nanoseconds, voluntary and
	 * involuntary context switches (the last three zero without /proc).
	 */
	static Map<String, long[]> snapshot() {
		Map<String, long[]> groups = new HashMap<>();
		if (Files.isDirectory(TASKS)) {
			try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
				for (Path task : tasks) {
					addTask(groups, task);
				}
				return groups;
			}
			catch (IOException ex) {
				groups.clear();
			}
		}
		long[] ids = THREADS.getAllThreadIds();
		ThreadInfo[] infos = THREADS.getThreadInfo(ids);
		for (int i = 0; i < ids.length; i++) {
			long cpu = THREADS.getThreadCpuTime(ids[i]);
			if (infos[i] != null && cpu > 0) {
				add(groups, group(infos[i].getThreadName()), cpu, 0, 0, 0);
			}
		}
		return groups;
	}

	private static void addTask(Map<String, long[]> groups, Path task) {
		try {
			String stat = Files.readString(task.resolve("stat"));
			String status = Files.readString(task.resolve("status"));
			// Linux keeps 15 characters of a thread's name: relay slots get short names
			// for this
			String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
			String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			add(groups, name.replaceAll("[0-9]+", "#"), Long.parseLong(fields[11]) * TICK_NANOS,
					Long.parseLong(fields[12]) * TICK_NANOS, field(status, "voluntary_ctxt_switches:"),
					field(status, "nonvoluntary_ctxt_switches:"));
		}
		catch (IOException | RuntimeException ex) {
			// the thread ended meanwhile
		}
	}

	private static long field(String status, String name) {
		int start = status.indexOf(name);
		if (start < 0) {
			return 0;
		}
		int end = status.indexOf('\n', start);
		return Long.parseLong(status.substring(start + name.length(), (end < 0) ? status.length() : end).trim());
	}

	private static void add(Map<String, long[]> groups, String group, long user, long system, long voluntary,
			long involuntary) {
		long[] sums = groups.computeIfAbsent(group, (key) -> new long[4]);
		sums[0] += user;
		sums[1] += system;
		sums[2] += voluntary;
		sums[3] += involuntary;
	}

	/**
	 * Describes what each group spent between two snapshots, per item handled, largest
	 * first, skipping groups below 0.1 us per item.
	 * @return such as {@code outbox-dr-rela:5.1+2.0us/0.30cs}: user + kernel microseconds
	 * and context switches per item
	 */
	static String perItem(Map<String, long[]> before, Map<String, long[]> after, long items) {
		return after.entrySet()
			.stream()
			.map((entry) -> Map.entry(entry.getKey(), minus(entry.getValue(), before.get(entry.getKey()))))
			.filter((entry) -> (entry.getValue()[0] + entry.getValue()[1]) * 10 >= items * 1_000L)
			.sorted((a, b) -> Long.compare(b.getValue()[0] + b.getValue()[1], a.getValue()[0] + a.getValue()[1]))
			.map((entry) -> describe(entry.getKey(), entry.getValue(), items))
			.collect(Collectors.joining(","));
	}

	private static String describe(String group, long[] spent, long items) {
		String cpu = ScenarioResult.decimal(spent[0] / 1e3 / items) + "+"
				+ ScenarioResult.decimal(spent[1] / 1e3 / items) + "us";
		long switches = spent[2] + spent[3];
		return group.replace(' ', '_') + ":" + cpu
				+ ((switches > 0) ? "/" + ScenarioResult.decimal((double) switches / items) + "cs" : "");
	}

	private static long[] minus(long[] after, long[] before) {
		long[] difference = after.clone();
		if (before != null) {
			for (int i = 0; i < difference.length; i++) {
				difference[i] -= before[i];
			}
		}
		return difference;
	}

	/** Thread names with numbers and slot names folded, so that lanes add up. */
	static String group(String name) {
		if (name == null) {
			return "(native)";
		}
		String group = name;
		if (group.startsWith("outbox-")) {
			// outbox-<slot>-delivery-3: slot names have no dashes
			String[] parts = group.split("-", 3);
			group = "outbox " + ((parts.length == 3) ? parts[2] : group);
		}
		return group.replaceAll("[0-9]+", "#");
	}

}
