package dev.pgoutbox.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a number of write transactions on several threads, for the scenarios that time
 * what writers pay.
 */
final class Writers {

	private Writers() {
	}

	/** One transaction of a writer thread. */
	@FunctionalInterface
	interface Transaction {

		void run(long row) throws Exception;

	}

	/**
	 * Runs {@code count} transactions on {@code threads} threads, each given the next
	 * number of {@code rows}.
	 * @return the seconds it took
	 */
	static double run(Transaction transaction, int count, int threads, AtomicLong rows) throws Exception {
		AtomicLong left = new AtomicLong(count);
		ExecutorService pool = Executors.newFixedThreadPool(threads, (task) -> new Thread(task, "bench-writer"));
		try {
			long start = System.nanoTime();
			List<Future<?>> futures = new ArrayList<>();
			for (int i = 0; i < threads; i++) {
				futures.add(pool.submit(() -> {
					while (left.getAndDecrement() > 0) {
						transaction.run(rows.incrementAndGet());
					}
					return null;
				}));
			}
			for (Future<?> future : futures) {
				future.get();
			}
			return (System.nanoTime() - start) / 1e9;
		}
		finally {
			pool.shutdownNow();
		}
	}

}
