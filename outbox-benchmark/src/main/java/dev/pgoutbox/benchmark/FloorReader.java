package dev.pgoutbox.benchmark;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;

/**
 * The floor of the drain: pgjdbc's replication stream over a pgoutput slot, counting
 * Insert messages and decoding nothing, so whatever the relay costs above it is its own.
 */
final class FloorReader {

	private FloorReader() {
	}

	/**
	 * Reads the workspace's floor slot until {@code expected} Insert messages arrived.
	 * @return the rate from the first Insert to the last, and the walsender's CPU seconds
	 */
	static Result drain(Workspace workspace, long expected, Duration timeout) throws Exception {
		// on a thread of its own, so that a profile tells it apart
		ExecutorService thread = Executors.newSingleThreadExecutor((task) -> new Thread(task, "bench-floor"));
		try {
			return thread.submit(() -> read(workspace, expected, timeout)).get();
		}
		catch (ExecutionException ex) {
			throw (ex.getCause() instanceof Exception cause) ? cause : ex;
		}
		finally {
			thread.shutdown();
		}
	}

	/** Opens a replication connection to the workspace's database. */
	static Connection connect(Workspace workspace) throws SQLException {
		BenchmarkServer server = workspace.server();
		Properties properties = new Properties();
		PGProperty.USER.set(properties, server.username());
		if (server.password() != null) {
			PGProperty.PASSWORD.set(properties, server.password());
		}
		PGProperty.REPLICATION.set(properties, "database");
		PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
		PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
		return DriverManager.getConnection(server.url(), properties);
	}

	/**
	 * Starts streaming the workspace's floor slot, pgoutput protocol 1, as the relay
	 * does.
	 */
	static PGReplicationStream stream(Connection connection, Workspace workspace) throws SQLException {
		return connection.unwrap(PGConnection.class)
			.getReplicationAPI()
			.replicationStream()
			.logical()
			.withSlotName(workspace.floorSlot())
			.withSlotOption("proto_version", "1")
			.withSlotOption("publication_names", workspace.publication())
			.withStatusInterval(10, TimeUnit.SECONDS)
			.start();
	}

	private static Result read(Workspace workspace, long expected, Duration timeout) throws SQLException {
		BenchmarkServer server = workspace.server();
		try (Connection connection = connect(workspace)) {
			PGReplicationStream stream = stream(connection, workspace);
			long deadline = System.nanoTime() + timeout.toNanos();
			long count = 0;
			long first = 0;
			long firstCpu = 0;
			long firstThreadCpu = 0;
			Map<String, long[]> firstThreads = Map.of();
			while (count < expected) {
				// readPending as the relay does: a blocking read() fails after an idle
				// status
				// interval on pgjdbc 42.7.11 to 42.7.13
				ByteBuffer buffer = stream.readPending();
				if (buffer == null) {
					if (System.nanoTime() > deadline) {
						throw new IllegalStateException(
								"The floor reader got " + count + " of " + expected + " inserts within " + timeout);
					}
					continue;
				}
				if (buffer.get(buffer.position()) == 'I' && ++count == 1) {
					firstCpu = Cpu.processNanos();
					firstThreadCpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
					firstThreads = ThreadCpu.snapshot();
					first = System.nanoTime();
				}
			}
			long last = System.nanoTime();
			long lastCpu = Cpu.processNanos();
			long threadCpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - firstThreadCpu;
			String threads = ThreadCpu.perItem(firstThreads, ThreadCpu.snapshot(), count);
			double walsender = server.isEmbedded() ? Cpu.ofProcess(workspace.walsenderPid(workspace.floorSlot())) : -1;
			stream.close();
			return new Result(new Throughput(count, last - first, lastCpu - firstCpu), threadCpu, threads, walsender);
		}
	}

	/**
	 * What the floor achieved.
	 *
	 * @param throughput the rate and this JVM's CPU time
	 * @param readerCpuNanos CPU time of the reading thread
	 * @param threads CPU time by thread group per message, as {@link ThreadCpu#perItem}
	 * describes it
	 * @param walsenderCpuSeconds CPU seconds of the server process that sent the stream,
	 * or -1
	 */
	record Result(Throughput throughput, long readerCpuNanos, String threads, double walsenderCpuSeconds) {
	}

}
