package dev.pgoutbox.benchmark;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * A JFR recording of one scenario (the JDK's {@code profile} settings), dumped to {@code
 *
<dir>
 * /<scenario>.jfr} with its summary beside it and on standard output.
 */
final class Profiler implements AutoCloseable {

	private final Recording recording;

	private final Path directory;

	private final String scenario;

	private Profiler(Recording recording, Path directory, String scenario) {
		this.recording = recording;
		this.directory = directory;
		this.scenario = scenario;
	}

	/** Starts recording, or does nothing when {@code directory} is {@code null}. */
	static Profiler start(Path directory, String scenario) throws IOException, ParseException {
		if (directory == null) {
			return new Profiler(null, null, scenario);
		}
		Files.createDirectories(directory);
		Recording recording = new Recording(Configuration.getConfiguration("profile"));
		// finer than the default 10 ms, so that a few seconds of draining give enough
		// samples
		recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1));
		// every park and contended monitor, to see who waits for whom between reader and
		// lanes
		recording.enable("jdk.ThreadPark").withThreshold(Duration.ZERO).withStackTrace();
		recording.enable("jdk.JavaMonitorEnter").withThreshold(Duration.ZERO).withStackTrace();
		recording.setName(scenario);
		recording.start();
		return new Profiler(recording, directory, scenario);
	}

	@Override
	public void close() throws IOException {
		if (this.recording == null) {
			return;
		}
		this.recording.stop();
		Path file = this.directory.resolve(this.scenario + ".jfr");
		this.recording.dump(file);
		this.recording.close();
		summarize(file, this.scenario);
		Path child = this.directory.resolve("memory-relay-jvm.jfr");
		if (this.scenario.equals("memory") && Files.exists(child)) {
			summarize(child, "memory-relay-jvm");
		}
	}

	private void summarize(Path file, String title) throws IOException {
		JfrSummary summary = JfrSummary.read(file);
		summary.print(System.out, title);
		try (PrintStream out = new PrintStream(Files.newOutputStream(this.directory.resolve(title + ".txt")))) {
			summary.print(out, title);
		}
	}

}
