package dev.pgoutbox.benchmark;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;

/**
 * A {@link MessagePublisher} standing in for a broker: it counts, may take a fixed time
 * per message, and records commit-to-publish latency, from the commit time PostgreSQL
 * reports to the end of the call.
 */
final class CountingPublisher implements MessagePublisher {

	private final long expected;

	private final long pauseNanos;

	private final MessagePublisher delegate;

	private final AtomicLong published = new AtomicLong();

	private volatile Histogram latency;

	private volatile CommitReturns commitReturns;

	private volatile long firstNanos;

	private volatile long firstCpuNanos;

	private volatile long lastNanos;

	private volatile long lastCpuNanos;

	private volatile Map<String, long[]> firstThreads = Map.of();

	private volatile Map<String, long[]> lastThreads = Map.of();

	/** Counted down once the expected message's figures are taken. */
	private final CountDownLatch complete = new CountDownLatch(1);

	/** Counted down once the first message's figures are taken. */
	private final CountDownLatch started = new CountDownLatch(1);

	/**
	 * Creates a publisher.
	 * @param expected the count whose arrival {@link #awaitExpected} waits for
	 * @param pause how long each call takes
	 */
	CountingPublisher(long expected, Duration pause) {
		this(expected, pause, null);
	}

	/**
	 * Creates a publisher that hands each message to {@code delegate} first, and counts
	 * and times it once the delegate returned.
	 * @param expected the count whose arrival {@link #awaitExpected} waits for
	 * @param pause how long each call takes on top of the delegate's
	 * @param delegate the real publisher, or {@code null}
	 */
	CountingPublisher(long expected, Duration pause, MessagePublisher delegate) {
		this.expected = expected;
		this.pauseNanos = pause.toNanos();
		this.delegate = delegate;
	}

	@Override
	public void publish(OutboxMessage message) throws Exception {
		if (this.delegate != null) {
			this.delegate.publish(message);
		}
		if (this.pauseNanos > 0) {
			Pause.until(System.nanoTime() + this.pauseNanos);
		}
		record(message);
	}

	/**
	 * Counts and times a message that has reached the broker.
	 * @param message the message
	 */
	void record(OutboxMessage message) {
		Histogram histogram = this.latency;
		if (histogram != null) {
			long micros = ChronoUnit.MICROS.between(message.committedAt(), Instant.now());
			histogram.recordValue(Math.max(0, micros));
		}
		CommitReturns returns = this.commitReturns;
		if (returns != null) {
			returns.published(message.id());
		}
		long count = this.published.incrementAndGet();
		if (count == 1) {
			this.firstThreads = ThreadCpu.snapshot();
			this.firstCpuNanos = Cpu.processNanos();
			this.firstNanos = System.nanoTime();
			this.started.countDown();
		}
		if (count == this.expected) {
			long now = System.nanoTime();
			long cpu = Cpu.processNanos();
			Map<String, long[]> threads = ThreadCpu.snapshot();
			awaitLatch(this.started);
			this.lastNanos = now;
			this.lastCpuNanos = cpu;
			this.lastThreads = threads;
			this.complete.countDown();
		}
	}

	/**
	 * Starts recording latencies, in microseconds, into a new histogram.
	 * @param returns where the writer reports its commits, to split the latency; may be
	 * {@code null}
	 * @return the histogram
	 */
	Histogram recordLatency(CommitReturns returns) {
		Histogram histogram = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);
		this.commitReturns = returns;
		this.latency = histogram;
		return histogram;
	}

	long published() {
		return this.published.get();
	}

	/**
	 * Waits until {@code count} messages are published.
	 * @return whether they were, in time
	 */
	boolean awaitCount(long count, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (this.published.get() < count) {
			if (System.nanoTime() > deadline) {
				return false;
			}
			Pause.millis(5);
		}
		return true;
	}

	/**
	 * Returns the CPU time of each thread group from the first message to the expected
	 * one.
	 * @return per message by group, as {@link ThreadCpu#perItem} describes it
	 */
	String threadCpuPerMessage() {
		return ThreadCpu.perItem(this.firstThreads, this.lastThreads, this.expected);
	}

	boolean awaitExpected(Duration timeout) {
		try {
			return this.complete.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private static void awaitLatch(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Returns the rate and JVM CPU time from the first message to the expected one.
	 */
	Throughput throughput() {
		return new Throughput(this.expected, this.lastNanos - this.firstNanos, this.lastCpuNanos - this.firstCpuNanos);
	}

}
