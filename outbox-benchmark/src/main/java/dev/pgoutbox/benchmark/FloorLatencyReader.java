package dev.pgoutbox.benchmark;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * The latency floor, read beside the relay: a bare pgjdbc stream on a second slot that
 * takes the commit time from each Begin message and records, at each Insert, the time
 * since that commit, decoding nothing else. It tells the server's and the machine's share
 * of the latency from the relay's own.
 *
 * <p>
 * It reads as the drain's floor does ({@link FloorReader.Variant#BLOCKING}): the blocking
 * {@code read()} with socket timeout 0, which wakes as soon as bytes arrive instead of
 * polling, and confirms its position at most once a second.
 */
final class FloorLatencyReader implements AutoCloseable {

	/** Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01. */
	private static final long POSTGRES_EPOCH_MICROS = 946_684_800_000_000L;

	private static final long CONFIRM_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

	private final Connection connection;

	private final PGReplicationStream stream;

	private final Thread thread;

	private volatile Histogram latency;

	private volatile boolean stopped;

	private volatile Exception failure;

	FloorLatencyReader(Workspace workspace) throws Exception {
		this.connection = FloorReader.connect(workspace, -1);
		this.stream = FloorReader.stream(this.connection, workspace, workspace.floorSlot());
		this.thread = new Thread(this::read, "bench-floor");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	/** Starts recording into a new histogram, in microseconds. @return the histogram */
	Histogram record() {
		Histogram histogram = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);
		this.latency = histogram;
		return histogram;
	}

	private void read() {
		long commitMicros = 0;
		long confirmed = System.nanoTime();
		try {
			while (!this.stopped) {
				ByteBuffer buffer = this.stream.read();
				int tag = buffer.get(buffer.position());
				if (tag == 'B') {
					// Begin: tag, Int64 final LSN, Int64 commit time in microseconds
					// since 2000
					commitMicros = buffer.getLong(buffer.position() + 9) + POSTGRES_EPOCH_MICROS;
				}
				else if (tag == 'I') {
					Histogram histogram = this.latency;
					if (histogram != null) {
						long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
						histogram.recordValue(Math.max(0, now - commitMicros));
					}
				}
				else if (tag == 'C' && System.nanoTime() - confirmed > CONFIRM_EVERY_NANOS) {
					// confirm now and then, so that the slot does not hold WAL back; the
					// driver sends it with its next status update
					LogSequenceNumber received = this.stream.getLastReceiveLSN();
					this.stream.setFlushedLSN(received);
					this.stream.setAppliedLSN(received);
					confirmed = System.nanoTime();
				}
			}
		}
		catch (Exception ex) {
			if (!this.stopped) {
				this.failure = ex;
			}
		}
	}

	@Override
	public void close() throws Exception {
		this.stopped = true;
		// the reader may be blocked in read() on an idle slot: drop the socket under it
		FloorReader.abort(this.connection);
		this.thread.join(TimeUnit.SECONDS.toMillis(10));
		this.connection.close();
		if (this.failure != null) {
			throw this.failure;
		}
	}

}
