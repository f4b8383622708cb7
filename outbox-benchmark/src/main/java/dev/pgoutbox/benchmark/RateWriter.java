package dev.pgoutbox.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import dev.pgoutbox.OutboxPublisher;

/**
 * A steady writer: one-row transactions through {@link OutboxPublisher#publish} on a
 * fixed schedule (open loop: a late transaction does not push the later ones back),
 * spread over a few threads so that a slow commit does not stop the clock.
 */
final class RateWriter {

	private final OutboxPublisher outbox;

	private final int threads;

	private final AtomicLong rows = new AtomicLong();

	RateWriter(OutboxPublisher outbox, int threads) {
		this.outbox = outbox;
		this.threads = threads;
	}

	/**
	 * Writes at {@code rate} transactions per second for {@code seconds}, telling
	 * {@code returns} (if not {@code null}) when each commit returned.
	 * @return what was written and how long each commit took
	 */
	Result run(int rate, int seconds, CommitReturns returns) throws Exception {
		long total = (long) rate * seconds;
		long period = TimeUnit.SECONDS.toNanos(1) / rate;
		long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
		AtomicLong next = new AtomicLong();
		AtomicLong late = new AtomicLong();
		Histogram commits = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(1), 3);
		ExecutorService pool = Executors.newFixedThreadPool(this.threads, (task) -> new Thread(task, "bench-writer"));
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int i = 0; i < this.threads; i++) {
				futures.add(pool.submit(() -> {
					long index;
					while ((index = next.getAndIncrement()) < total) {
						long due = start + index * period;
						Pause.until(due);
						long began = System.nanoTime();
						if (began - due > TimeUnit.MILLISECONDS.toNanos(1)) {
							late.incrementAndGet();
						}
						long row = this.rows.incrementAndGet();
						// without a transaction, publish commits on its own: it returns
						// once committed
						UUID id = this.outbox.publish(Payloads.TYPE, Payloads.key(row, 1_000),
								Payloads.order(row, 1_000));
						commits.recordValue((System.nanoTime() - began) / 1_000);
						if (returns != null) {
							returns.committed(id);
						}
					}
					return null;
				}));
			}
			for (Future<?> future : futures) {
				future.get();
			}
		}
		finally {
			pool.shutdownNow();
		}
		double elapsed = (System.nanoTime() - start) / 1e9;
		return new Result(total, total / elapsed, late.get(), commits);
	}

	/**
	 * One run of the writer.
	 *
	 * @param written the transactions committed
	 * @param achievedRate transactions per second from the first scheduled one to the
	 * last commit
	 * @param late transactions started more than a millisecond after their time
	 * @param commits how long each {@code publish} with its commit took, in microseconds
	 */
	record Result(long written, double achievedRate, long late, Histogram commits) {
	}

}
