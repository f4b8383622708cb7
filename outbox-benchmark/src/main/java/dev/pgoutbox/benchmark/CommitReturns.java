package dev.pgoutbox.benchmark;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Splits commit-to-publish latency: pairs the moment a writer's commit returned with the
 * moment the same message's publish ended, whichever comes first, and records the time
 * from the one to the other (zero when the publish ended first). What is left of the
 * latency before the commit returned is the server's: the WAL flush.
 */
final class CommitReturns {

	private final ConcurrentHashMap<UUID, Long> firstSeen = new ConcurrentHashMap<>();

	private final Histogram afterCommit = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 3);

	/** The writer's commit of message {@code id} returned now. */
	void committed(UUID id) {
		long now = nowMicros();
		// commits are stored as positive times, publishes as negative ones
		Long published = this.firstSeen.putIfAbsent(id, now);
		if (published != null) {
			this.firstSeen.remove(id);
			record(-published - now);
		}
	}

	/** The publish of message {@code id} ended now. */
	void published(UUID id) {
		long now = nowMicros();
		Long committed = this.firstSeen.putIfAbsent(id, -now);
		if (committed != null) {
			this.firstSeen.remove(id);
			record(now - committed);
		}
	}

	/**
	 * Returns the time from commit return to publish end, in microseconds. @return the
	 * histogram
	 */
	Histogram afterCommit() {
		return this.afterCommit;
	}

	private void record(long micros) {
		this.afterCommit.recordValue(Math.max(0, micros));
	}

	private static long nowMicros() {
		return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
	}

}
