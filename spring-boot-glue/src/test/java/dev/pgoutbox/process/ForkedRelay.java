package dev.pgoutbox.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;

import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.TestPostgres;

/**
 * A {@link RelayProcess} in a forked JVM: the current JVM's {@code java} with the test
 * classpath, the given heap and arguments, an empty environment, and its output in a file
 * under {@code target/forked-relays} (kept for post-mortems). Closing it kills the
 * process if it still runs, so that no JVM outlives its test.
 */
final class ForkedRelay implements AutoCloseable {

	/**
	 * What {@code Process.exitValue()} reports for a process ended by SIGKILL (128 + 9).
	 */
	static final int KILLED_BY_SIGKILL = 137;

	private static final Path OUTPUT_DIRECTORY = Path.of("target", "forked-relays");

	private static final AtomicInteger started = new AtomicInteger();

	private final String name;

	private final Process process;

	private final Path output;

	private final Thread reaper;

	private ForkedRelay(String name, Process process, Path output) {
		this.name = name;
		this.process = process;
		this.output = output;
		// should the test JVM itself be stopped mid-test, the relay goes with it
		this.reaper = new Thread(process::destroyForcibly, "reap-" + name);
		Runtime.getRuntime().addShutdownHook(this.reaper);
	}

	/**
	 * The command-line properties that point a relay at a test database and slot, with
	 * the short intervals the in-JVM tests use.
	 */
	static List<String> connectionArgs(OutboxContexts.Target target) {
		List<String> args = new ArrayList<>(List.of("--spring.datasource.url=" + target.url(),
				"--spring.datasource.username=" + TestPostgres.server().username(),
				"--outbox.replication.slot-name=" + target.slot(), "--outbox.replication.reconnect-max-delay=1s",
				"--outbox.cleanup.interval=100ms", "--outbox.shutdown-timeout=10s",
				"--spring.main.log-startup-info=false"));
		String password = TestPostgres.server().password();
		if (password != null) {
			args.add("--spring.datasource.password=" + password);
		}
		return args;
	}

	/**
	 * Starts a relay process.
	 * @param name a name for its output file and messages
	 * @param maxHeap the {@code -Xmx} value, such as {@code 256m}
	 * @param args the application's arguments
	 */
	static ForkedRelay start(String name, String maxHeap, List<String> args) {
		try {
			Files.createDirectories(OUTPUT_DIRECTORY);
			Path output = OUTPUT_DIRECTORY
				.resolve(name + "-" + ProcessHandle.current().pid() + "-" + started.incrementAndGet() + ".log");
			List<String> command = new ArrayList<>();
			command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
			command.add("-Xmx" + maxHeap);
			// an OutOfMemoryError ends the process with a non-zero code instead of
			// stranding a thread
			command.add("-XX:+ExitOnOutOfMemoryError");
			command.add("-cp");
			command.add(System.getProperty("java.class.path"));
			command.add(RelayProcess.class.getName());
			command.addAll(args);
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(output.toFile());
			// nothing from the test JVM's environment (JAVA_TOOL_OPTIONS and the like)
			// reaches the relay
			builder.environment().clear();
			return new ForkedRelay(name, builder.start(), output);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start relay process " + name, ex);
		}
	}

	/**
	 * Waits until the relay streams from its slot.
	 * @return this relay
	 */
	ForkedRelay awaitReady(Duration timeout) {
		Awaitility.await(this.name + " ready")
			.atMost(timeout)
			.pollInterval(Duration.ofMillis(50))
			.failFast(this.name + " exited before it was ready:\n" + this.output, () -> !this.process.isAlive())
			.until(() -> output().contains(RelayProcess.READY));
		return this;
	}

	/**
	 * Fails fast in an Awaitility wait: whether the process has ended.
	 */
	boolean hasExited() {
		return !this.process.isAlive();
	}

	/**
	 * Kills the process with SIGKILL: no shutdown hook, no graceful stop, no final
	 * feedback to the server. {@link Process#destroyForcibly()} sends SIGKILL on Linux;
	 * the exit code, 137, confirms it.
	 * @return the exit code
	 */
	int kill9() {
		this.process.destroyForcibly();
		return awaitExit(Duration.ofSeconds(30));
	}

	/**
	 * Stops the process with SIGTERM, which runs Spring's graceful shutdown.
	 * @return the exit code
	 */
	int stop(Duration timeout) {
		this.process.destroy();
		return awaitExit(timeout);
	}

	/**
	 * Waits for the process to end.
	 * @return the exit code
	 * @throws AssertionError if it still runs at the deadline
	 */
	int awaitExit(Duration timeout) {
		try {
			if (!this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				throw new AssertionError(this.name + " did not exit within " + timeout + "; output in " + this.output);
			}
			return this.process.exitValue();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new AssertionError("Interrupted while waiting for " + this.name, ex);
		}
	}

	long pid() {
		return this.process.pid();
	}

	Path outputFile() {
		return this.output;
	}

	/** Everything the process printed so far. */
	String output() {
		try {
			return Files.readString(this.output, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The last line starting with {@code prefix}, if any. */
	Optional<String> lastLine(String prefix) {
		List<String> lines = output().lines().filter((line) -> line.startsWith(prefix)).toList();
		return lines.isEmpty() ? Optional.empty() : Optional.of(lines.get(lines.size() - 1));
	}

	/** The value of {@code field=} in the last line starting with {@code prefix}. */
	long figure(String prefix, String field) {
		String line = lastLine(prefix).orElseThrow(
				() -> new AssertionError(this.name + " printed no line " + prefix + "; output in " + this.output));
		for (String part : line.split(" ")) {
			if (part.startsWith(field + "=")) {
				return Long.parseLong(part.substring(field.length() + 1));
			}
		}
		throw new AssertionError("No " + field + "= in '" + line + "'");
	}

	@Override
	public void close() {
		try {
			if (this.process.isAlive()) {
				this.process.destroyForcibly();
				this.process.waitFor(30, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			try {
				Runtime.getRuntime().removeShutdownHook(this.reaper);
			}
			catch (IllegalStateException ex) {
				// the test JVM is shutting down, and the hook is running or has run
			}
		}
	}

	@Override
	public String toString() {
		return this.name + " (pid " + this.process.pid() + ", output " + this.output + ")";
	}

}
