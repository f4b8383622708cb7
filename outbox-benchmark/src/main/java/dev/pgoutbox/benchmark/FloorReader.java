package dev.pgoutbox.benchmark;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.copy.CopyDual;
import org.postgresql.core.BaseConnection;
import org.postgresql.replication.PGReplicationStream;

/**
 * The floor of the drain: the fastest reader of a pgoutput slot we could build on pgjdbc,
 * counting Insert and (for the WAL store) logical decoding Message records and decoding
 * nothing else, so that whatever the relay costs above it is its own.
 *
 * <p>
 * It reads with the blocking {@code read()} on a connection whose socket timeout is 0
 * (pgjdbc issue 4328, a blocking read with a nonzero socket timeout failing on an idle
 * slot after one status interval, cannot arise then), sends no feedback but the replies
 * the server asks for, and leaves the status interval at a minute. The other
 * {@link Variant variants} are kept to show what each choice is worth.
 */
final class FloorReader {

	/** The status interval of the floor's streams: feedback only when the server asks. */
	static final int STATUS_INTERVAL_SECONDS = 60;

	/** The reader of the drain's floor, the fastest of the {@link Variant variants}. */
	static final Variant FLOOR = Variant.BLOCKING_NAP_1MS;

	/** A read that took longer than this waited for the server. */
	private static final long WAITED_NANOS = 20_000;

	/** Messages a nap has to let pile up for the reader to nap at the next wait. */
	private static final long NAP_WORTH = 16;

	private FloorReader() {
	}

	/** Ways to read the slot; {@link #BLOCKING} is the floor. */
	enum Variant {

		/**
		 * {@code readPending()} in a loop, as the relay reads (the floor before): pays
		 * {@code available()} and a 1 ms timed peek each time the socket runs dry.
		 */
		PENDING(false, -1, 0),

		/** The blocking {@code read()} of pgjdbc's replication stream. */
		BLOCKING(true, -1, 0),

		/**
		 * {@link #BLOCKING} with a 4 MiB socket receive buffer, which turns off the
		 * kernel's receive buffer auto-tuning.
		 */
		BLOCKING_RCVBUF(true, 4 * 1024 * 1024, 0),

		/**
		 * {@link #BLOCKING} with a 64 KiB socket receive buffer: the server's sends block
		 * sooner, and it sends larger chunks.
		 */
		BLOCKING_SMALL_RCVBUF(true, 64 * 1024, 0),

		/**
		 * {@link #BLOCKING}, but after a read that had to wait (the reader had caught up
		 * with the server) it naps 200 microseconds, so that the server's next messages
		 * pile up in the socket instead of waking the reader one by one; it skips the nap
		 * when the last one let fewer than 16 messages pile up.
		 */
		BLOCKING_NAP(true, -1, 200_000),

		/** {@link #BLOCKING_NAP} with a nap of a millisecond. */
		BLOCKING_NAP_1MS(true, -1, 1_000_000),

		/** {@link #BLOCKING_NAP} with a nap of 2 milliseconds. */
		BLOCKING_NAP_2MS(true, -1, 2_000_000),

		/**
		 * {@link #BLOCKING_NAP} with a nap of 5 milliseconds: more than the socket's
		 * receive window holds at these rates, so the server stalls.
		 */
		BLOCKING_NAP_5MS(true, -1, 5_000_000),

		/**
		 * pgjdbc's copy-both operation read directly, without the replication stream's
		 * wrapping: {@code START_REPLICATION} through the query executor, then
		 * {@code CopyDual.readFromCopy(true)}, answering keep-alives itself.
		 */
		COPY_DUAL(true, -1, 0);

		private final boolean blocking;

		private final int receiveBuffer;

		private final long napNanos;

		Variant(boolean blocking, int receiveBuffer, long napNanos) {
			this.blocking = blocking;
			this.receiveBuffer = receiveBuffer;
			this.napNanos = napNanos;
		}

		String label() {
			return name().toLowerCase(Locale.ROOT).replace('_', '-');
		}

		static Variant of(String label) {
			for (Variant variant : values()) {
				if (variant.label().equals(label)) {
					return variant;
				}
			}
			throw new IllegalArgumentException("Unknown floor reader '" + label + "'");
		}

	}

	/**
	 * Reads the workspace's floor slot with {@link #FLOOR} until {@code expected} Insert
	 * messages arrived.
	 * @return the rate from the first Insert to the last, and the walsender's CPU seconds
	 */
	static Result drain(Workspace workspace, long expected, Duration timeout) throws Exception {
		return drain(workspace, workspace.floorSlot(), FLOOR, expected, timeout);
	}

	/**
	 * Reads {@code slot} with {@code variant} until {@code expected} Insert messages
	 * arrived.
	 * @return the rate from the first Insert to the last, and the walsender's CPU seconds
	 */
	static Result drain(Workspace workspace, String slot, Variant variant, long expected, Duration timeout)
			throws Exception {
		// on a thread of its own, so that a profile tells it apart
		ExecutorService thread = Executors.newSingleThreadExecutor((task) -> new Thread(task, "bench-floor"));
		try {
			return thread.submit(() -> read(workspace, slot, variant, expected, timeout)).get();
		}
		catch (ExecutionException ex) {
			throw (ex.getCause() instanceof Exception cause) ? cause : ex;
		}
		finally {
			thread.shutdown();
		}
	}

	/**
	 * Opens a replication connection to the workspace's database, socket timeout 0.
	 * @param receiveBuffer the socket's receive buffer in bytes, or -1 for the system's
	 */
	static Connection connect(Workspace workspace, int receiveBuffer) throws SQLException {
		BenchmarkServer server = workspace.server();
		Properties properties = new Properties();
		PGProperty.USER.set(properties, server.username());
		if (server.password() != null) {
			PGProperty.PASSWORD.set(properties, server.password());
		}
		PGProperty.REPLICATION.set(properties, "database");
		PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
		PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
		// a blocking read() never times out: no issue 4328 on an idle slot
		PGProperty.SOCKET_TIMEOUT.set(properties, 0);
		if (receiveBuffer > 0) {
			PGProperty.RECEIVE_BUFFER_SIZE.set(properties, receiveBuffer);
		}
		return DriverManager.getConnection(server.url(), properties);
	}

	/**
	 * Starts streaming {@code slot}, pgoutput protocol 1 and the workspace's publication,
	 * as the relay does.
	 */
	static PGReplicationStream stream(Connection connection, Workspace workspace, String slot) throws SQLException {
		return connection.unwrap(PGConnection.class)
			.getReplicationAPI()
			.replicationStream()
			.logical()
			.withSlotName(slot)
			.withSlotOption("proto_version", "1")
			.withSlotOption("publication_names", workspace.publication())
			// the WAL store's records, as the relay asks for them
			.withSlotOption("messages", "true")
			.withStatusInterval(STATUS_INTERVAL_SECONDS, TimeUnit.SECONDS)
			.start();
	}

	private static Result read(Workspace workspace, String slot, Variant variant, long expected, Duration timeout)
			throws Exception {
		BenchmarkServer server = workspace.server();
		try (Connection connection = connect(workspace, variant.receiveBuffer)) {
			// a blocking read returns only with data: past the deadline the connection is
			// aborted under it
			AtomicBoolean timedOut = new AtomicBoolean();
			ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor((task) -> {
				Thread thread = new Thread(task, "bench-floor-watchdog");
				thread.setDaemon(true);
				return thread;
			});
			ScheduledFuture<?> deadlineAbort = watchdog.schedule(() -> {
				timedOut.set(true);
				abort(connection);
			}, timeout.toMillis(), TimeUnit.MILLISECONDS);
			Counter counter = new Counter();
			try {
				if (variant == Variant.COPY_DUAL) {
					readCopyDual(connection, workspace, slot, expected, counter);
				}
				else {
					readStream(connection, workspace, slot, variant, expected, timeout, counter);
				}
			}
			catch (SQLException ex) {
				if (timedOut.get()) {
					throw new IllegalStateException(
							"The floor reader got " + counter.count + " of " + expected + " inserts within " + timeout,
							ex);
				}
				throw ex;
			}
			finally {
				deadlineAbort.cancel(false);
				watchdog.shutdownNow();
			}
			long threadCpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - counter.firstThreadCpu;
			String threads = ThreadCpu.perItem(counter.firstThreads, ThreadCpu.snapshot(), counter.count);
			double walsender = server.isEmbedded() ? Cpu.ofProcess(workspace.walsenderPid(slot)) : -1;
			// ending the copy would read the rest of the stream: drop the connection
			abort(connection);
			return new Result(
					new Throughput(counter.count, counter.last - counter.first, counter.lastCpu - counter.firstCpu),
					threadCpu, threads, walsender);
		}
	}

	private static void readStream(Connection connection, Workspace workspace, String slot, Variant variant,
			long expected, Duration timeout, Counter counter) throws SQLException {
		PGReplicationStream stream = stream(connection, workspace, slot);
		long deadline = System.nanoTime() + timeout.toNanos();
		// messages read since the last nap: a nap that let fewer pile up than this is
		// not repeated at the next wait, so that a server sending slowly is not read a
		// few messages per nap
		long sinceNap = NAP_WORTH;
		while (counter.count < expected) {
			long before = (variant.napNanos > 0) ? System.nanoTime() : 0;
			ByteBuffer buffer = variant.blocking ? stream.read() : stream.readPending();
			if (variant.napNanos > 0) {
				if (System.nanoTime() - before > WAITED_NANOS) {
					if (sinceNap >= NAP_WORTH) {
						LockSupport.parkNanos(variant.napNanos);
					}
					sinceNap = 0;
				}
				sinceNap++;
			}
			if (buffer == null) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException(
							"The floor reader got " + counter.count + " of " + expected + " inserts within " + timeout);
				}
				continue;
			}
			byte kind = buffer.get(buffer.position());
			if (kind == 'I' || kind == 'M') {
				counter.insert(expected);
			}
		}
	}

	/**
	 * Reads the copy-both stream of {@code START_REPLICATION} without pgjdbc's
	 * replication stream: each CopyData is XLogData ('w', three Int64, then the pgoutput
	 * message) or a keep-alive ('k', two Int64, then a byte asking for a reply).
	 */
	private static void readCopyDual(Connection connection, Workspace workspace, String slot, long expected,
			Counter counter) throws SQLException {
		String sql = "START_REPLICATION SLOT " + slot + " LOGICAL 0/0 (\"proto_version\" '1', "
				+ "\"publication_names\" '" + workspace.publication() + "', \"messages\" 'true')";
		CopyDual copy = (CopyDual) connection.unwrap(BaseConnection.class).getQueryExecutor().startCopy(sql, true);
		long received = 0;
		while (counter.count < expected) {
			byte[] message = copy.readFromCopy(true);
			if (message == null) {
				throw new IllegalStateException("The server ended the stream after " + counter.count + " inserts");
			}
			if (message[0] == 'w') {
				received = ByteBuffer.wrap(message, 1, 8).getLong();
				if (message[25] == 'I' || message[25] == 'M') {
					counter.insert(expected);
				}
			}
			else if (message[0] == 'k' && message[17] != 0) {
				byte[] reply = statusUpdate(Math.max(received, ByteBuffer.wrap(message, 1, 8).getLong()));
				copy.writeToCopy(reply, 0, reply.length);
				copy.flushCopy();
			}
		}
	}

	/**
	 * A standby status update: received position, nothing flushed or applied (the slot
	 * keeps its WAL until the workspace drops it), no reply asked.
	 */
	private static byte[] statusUpdate(long received) {
		ByteBuffer reply = ByteBuffer.allocate(34);
		reply.put((byte) 'r').putLong(received).putLong(0).putLong(0).putLong(0).put((byte) 0);
		return reply.array();
	}

	/** Closes the connection's socket at once, from any thread. */
	static void abort(Connection connection) {
		try {
			connection.abort(Runnable::run);
		}
		catch (SQLException ex) {
			// already closed
		}
	}

	/** The Insert count and the figures taken at the first and the last. */
	private static final class Counter {

		private long count;

		private long first;

		private long last;

		private long firstCpu;

		private long lastCpu;

		private long firstThreadCpu;

		private Map<String, long[]> firstThreads = Map.of();

		void insert(long expected) {
			this.count++;
			if (this.count == 1) {
				this.firstCpu = Cpu.processNanos();
				this.firstThreadCpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
				this.firstThreads = ThreadCpu.snapshot();
				this.first = System.nanoTime();
			}
			if (this.count == expected) {
				this.last = System.nanoTime();
				this.lastCpu = Cpu.processNanos();
			}
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
