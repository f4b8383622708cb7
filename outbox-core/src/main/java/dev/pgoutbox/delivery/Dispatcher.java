package dev.pgoutbox.delivery;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.pgoutbox.DeliveryListener;
import dev.pgoutbox.MessagePublisher;

/**
 * Hands messages to the {@link MessagePublisher} over per-key lanes: one key's messages
 * go one at a time in the order offered, different keys go in parallel on up to
 * {@code concurrency} threads, and a failed message is retried with backoff while later
 * messages of its key wait and other keys flow. After its last attempt (see
 * {@link DeliveryPolicy}) a message is handed to the {@link MessageParker}, and once it
 * is stored it counts as done; if storing fails it stays at the head of its lane and
 * parking is tried again with backoff, so that no message is ever dropped.
 *
 * <p>
 * A publish call that runs past the policy's timeout counts as failed: a timer thread
 * interrupts it, schedules the retry and puts a fresh delivery thread in its place, so
 * the key goes on without waiting for the call. The publisher runs on the delivery thread
 * itself, so the normal path has no handoff between threads; the only cost is recording
 * the call's start. A call that ignores interruption keeps its (abandoned) thread until
 * it returns, and may still reach the broker: that can only cause a duplicate, since the
 * message is retried anyway.
 *
 * <p>
 * Memory is bounded: at most {@code capacity} messages are held, and {@link #offer} waits
 * for room. Thread-safe.
 */
public final class Dispatcher implements AutoCloseable {

	private final Lanes lanes;

	private final DeliveryThreads threads;

	private final ScheduledExecutorService timer;

	/**
	 * Creates a dispatcher that retries every message until it goes through, with no
	 * limit on how long a call takes.
	 * @param publisher the application's publisher, not {@code null}
	 * @param concurrency the number of delivery threads, at least 1
	 * @param capacity the most messages held, at least 1
	 * @param backoff the delays between attempts, not {@code null}
	 * @param listener hears each outcome, may be {@code null}
	 * @param threadNamePrefix the prefix of the threads' names
	 */
	Dispatcher(MessagePublisher publisher, int concurrency, int capacity, Backoff backoff, DeliveryListener listener,
			String threadNamePrefix) {
		this(publisher, concurrency, capacity, DeliveryPolicy.retryForever(backoff), null, listener, threadNamePrefix);
	}

	/**
	 * Creates a dispatcher.
	 * @param publisher the application's publisher, not {@code null}
	 * @param concurrency the number of delivery threads, at least 1
	 * @param capacity the most messages held, at least 1
	 * @param policy retries, attempts and timeout, not {@code null}
	 * @param parker stores messages that failed their last attempt; not {@code null}
	 * unless the policy has no attempt limit
	 * @param listener hears each outcome, may be {@code null}
	 * @param threadNamePrefix the prefix of the threads' names
	 */
	public Dispatcher(MessagePublisher publisher, int concurrency, int capacity, DeliveryPolicy policy,
			MessageParker parker, DeliveryListener listener, String threadNamePrefix) {
		if (publisher == null) {
			throw new IllegalArgumentException("'publisher' must not be null");
		}
		if (policy == null) {
			throw new IllegalArgumentException("'policy' must not be null");
		}
		if (parker == null && policy.maxAttempts() > 0) {
			throw new IllegalArgumentException("'parker' must not be null when the policy limits attempts");
		}
		if (concurrency < 1) {
			throw new IllegalArgumentException("'concurrency' must be at least 1");
		}
		if (capacity < 1) {
			throw new IllegalArgumentException("'capacity' must be at least 1");
		}
		DeliveryListener outcomeListener = (listener != null) ? listener : new DeliveryListener() {
		};
		long publishTimeoutNanos = (policy.publishTimeout() != null) ? policy.publishTimeout().toNanos() : 0;
		this.timer = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, threadNamePrefix + "retry");
			thread.setDaemon(true);
			return thread;
		});
		this.lanes = new Lanes(capacity, this.timer);
		Outcomes outcomes = new Outcomes(policy, parker, outcomeListener, this.lanes);
		this.threads = new DeliveryThreads(publisher, this.lanes, outcomes, threadNamePrefix, publishTimeoutNanos,
				policy.publishTimeout());
		if (publishTimeoutNanos > 0) {
			// a call is given up between one and 1.1 timeouts after it started
			long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(1),
					Math.min(publishTimeoutNanos / 10, TimeUnit.SECONDS.toNanos(1)));
			this.timer.scheduleWithFixedDelay(this.threads::expireOverdueCalls, tick, tick, TimeUnit.NANOSECONDS);
		}
		for (int i = 0; i < concurrency; i++) {
			this.threads.start();
		}
	}

	/**
	 * Offers a message, waiting up to {@code wait} for room.
	 * @param envelope the message
	 * @param wait how long to wait for room
	 * @return {@code true} if taken, {@code false} if there was no room in time
	 * @throws InterruptedException if interrupted while waiting
	 */
	public boolean offer(Envelope envelope, Duration wait) throws InterruptedException {
		return this.lanes.offer(envelope, wait);
	}

	/**
	 * Waits until every message offered is delivered or parked.
	 * @param timeout the longest wait
	 * @return {@code true} if nothing is held any more
	 * @throws InterruptedException if interrupted while waiting
	 */
	public boolean awaitDrained(Duration timeout) throws InterruptedException {
		return this.lanes.awaitDrained(timeout);
	}

	/**
	 * Returns the number of messages held, waiting, in flight or being parked.
	 * @return the count
	 */
	public int held() {
		return this.lanes.held();
	}

	/**
	 * Returns the number of publisher or parker calls under way, not counting calls given
	 * up after the publish timeout.
	 * @return the count
	 */
	public int inFlight() {
		return this.lanes.inFlight();
	}

	/**
	 * Pauses or resumes delivery: while paused no new publisher call starts (calls under
	 * way finish), so messages pile up to the buffer's capacity and reading then waits.
	 * @param paused whether to pause
	 */
	public void setPaused(boolean paused) {
		this.lanes.setPaused(paused);
	}

	/**
	 * Returns whether delivery is paused.
	 * @return {@code true} if paused
	 */
	public boolean isPaused() {
		return this.lanes.isPaused();
	}

	/**
	 * Stops the delivery threads, interrupting publisher calls still running; messages
	 * not delivered or parked stay unacknowledged and are read again by the next
	 * consumer.
	 */
	@Override
	public void close() {
		this.lanes.close();
		this.timer.shutdownNow();
		this.threads.stop();
	}

}
