package dev.pgoutbox.benchmark;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reads a JFR recording and prints where the time went: CPU load, samples per thread
 * group, the hottest frames (self), the hottest frames of the relay's and the driver's
 * own code, and where threads sat in native code. Also runnable on its own:
 * {@code java -cp ... dev.pgoutbox.benchmark.JfrSummary recording.jfr}.
 */
public final class JfrSummary {

	private static final int TOP = 12;

	private final Map<String, Long> threads = new HashMap<>();

	private final Map<String, Map<String, Long>> selfFramesByThread = new HashMap<>();

	private final Map<String, Long> ownFrames = new HashMap<>();

	private final Map<String, Long> nativeFrames = new HashMap<>();

	private final Map<String, Long> waits = new HashMap<>();

	private long waitCount;

	private long samples;

	private long nativeSamples;

	private double jvmUser;

	private double jvmSystem;

	private double machineCpu;

	private long cpuReadings;

	private long gcCount;

	private double gcPauseMillis;

	public static void main(String[] args) throws IOException {
		read(Path.of(args[0])).print(System.out, args[0]);
	}

	static JfrSummary read(Path file) throws IOException {
		JfrSummary summary = new JfrSummary();
		try (RecordingFile recording = new RecordingFile(file)) {
			while (recording.hasMoreEvents()) {
				summary.add(recording.readEvent());
			}
		}
		return summary;
	}

	private void add(RecordedEvent event) {
		switch (event.getEventType().getName()) {
			case "jdk.ExecutionSample" -> {
				this.samples++;
				String thread = group(event.getThread("sampledThread"));
				count(this.threads, thread);
				List<RecordedFrame> frames = frames(event.getStackTrace());
				if (!frames.isEmpty()) {
					count(this.selfFramesByThread.computeIfAbsent(thread, (key) -> new HashMap<>()),
							name(frames.get(0)));
					frames.stream()
						.filter(JfrSummary::isOwn)
						.findFirst()
						.ifPresent((own) -> count(this.ownFrames, name(own)));
				}
			}
			case "jdk.NativeMethodSample" -> {
				this.nativeSamples++;
				List<RecordedFrame> frames = frames(event.getStackTrace());
				String own = frames.stream().filter(JfrSummary::isOwn).findFirst().map(JfrSummary::name).orElse("-");
				count(this.nativeFrames, group(event.getThread("sampledThread")) + " in " + own);
			}
			case "jdk.ThreadPark", "jdk.JavaMonitorEnter" -> {
				this.waitCount++;
				String kind = event.getEventType().getName().equals("jdk.ThreadPark") ? "park" : "monitor";
				List<RecordedFrame> frames = frames(event.getStackTrace());
				String own = frames.stream().filter(JfrSummary::isOwn).findFirst().map(JfrSummary::name).orElse("-");
				count(this.waits, kind + " " + group(event.getThread("eventThread")) + " in " + own);
			}
			case "jdk.CPULoad" -> {
				this.jvmUser += event.getFloat("jvmUser");
				this.jvmSystem += event.getFloat("jvmSystem");
				this.machineCpu += event.getFloat("machineTotal");
				this.cpuReadings++;
			}
			case "jdk.GarbageCollection" -> {
				this.gcCount++;
				this.gcPauseMillis += event.getDuration("sumOfPauses").toNanos() / 1e6;
			}
			default -> {
			}
		}
	}

	void print(PrintStream out, String title) {
		int cores = Runtime.getRuntime().availableProcessors();
		out.printf(
				"# profile %s: %,d execution samples; cores busy (of %d): JVM user %.2f + system %.2f, "
						+ "machine %.2f; GC %d pauses, %.0f ms%n",
				title, this.samples, cores, cores * average(this.jvmUser), cores * average(this.jvmSystem),
				cores * average(this.machineCpu), this.gcCount, this.gcPauseMillis);
		print(out, "samples by thread", this.threads, this.samples, TOP);
		this.threads.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Long>comparingByValue().reversed())
			.limit(4)
			.forEach((thread) -> print(out, "top frames (self) of " + thread.getKey(),
					this.selfFramesByThread.get(thread.getKey()), thread.getValue(), 8));
		print(out, "top frames of dev.pgoutbox / org.postgresql code, all threads", this.ownFrames, this.samples, TOP);
		print(out, "native (waiting or in I/O), by thread and code", this.nativeFrames, this.nativeSamples, 8);
		out.printf("#   parks and contended monitor entries: %,d%n", this.waitCount);
		print(out, "parks and contended monitors, by thread and code", this.waits, this.waitCount, 10);
	}

	private double average(double sum) {
		return (this.cpuReadings > 0) ? sum / this.cpuReadings : 0;
	}

	private static void print(PrintStream out, String heading, Map<String, Long> counts, long total, int top) {
		out.println("#   " + heading + ":");
		counts.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Long>comparingByValue().reversed())
			.limit(top)
			.forEach((entry) -> out.printf("#     %5.1f%%  %s%n", 100.0 * entry.getValue() / Math.max(1, total),
					entry.getKey()));
	}

	private static List<RecordedFrame> frames(RecordedStackTrace stack) {
		return (stack != null) ? stack.getFrames() : List.of();
	}

	private static boolean isOwn(RecordedFrame frame) {
		String type = frame.getMethod().getType().getName();
		return type.startsWith("dev.pgoutbox.") || type.startsWith("org.postgresql.");
	}

	private static String name(RecordedFrame frame) {
		String type = frame.getMethod().getType().getName();
		StringBuilder shortened = new StringBuilder();
		String[] parts = type.split("\\.");
		for (int i = 0; i < parts.length - 1; i++) {
			shortened.append(parts[i].charAt(0)).append('.');
		}
		return shortened.append(parts[parts.length - 1]).append('.').append(frame.getMethod().getName()).toString();
	}

	private static String group(RecordedThread thread) {
		return ThreadCpu.group((thread != null) ? thread.getJavaName() : null);
	}

	private static void count(Map<String, Long> counts, String key) {
		counts.merge(key, 1L, Long::sum);
	}

}
