package dev.pgoutbox.delivery;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.pgoutbox.MessagePublisher;

/**
 * Hands messages to the {@link MessagePublisher} over per-key lanes: one key's messages
 * go one at a time in the order offered, different keys go in parallel on up to
 * {@code concurrency} threads, and a failed message is retried with backoff while later
 * messages of its key wait and other keys flow.
 *
 * <p>Memory is bounded: at most {@code capacity} messages are held, and
 * {@link #offer} waits for room. Thread-safe.
 */
public final class Dispatcher implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(Dispatcher.class);

	private final MessagePublisher publisher;

	private final Backoff backoff;

	private final DeliveryListener listener;

	private final Semaphore room;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition laneReady = this.lock.newCondition();

	private final Condition drained = this.lock.newCondition();

	private final Map<String, Lane> lanes = new HashMap<>();

	private final ArrayDeque<Lane> ready = new ArrayDeque<>();

	private final List<Thread> workers = new ArrayList<>();

	private final ScheduledExecutorService retries;

	private int held;

	private int inFlight;

	private boolean closed;

	public Dispatcher(MessagePublisher publisher, int concurrency, int capacity, Backoff backoff,
			DeliveryListener listener, String threadNamePrefix) {
		if (publisher == null) {
			throw new IllegalArgumentException("'publisher' must not be null");
		}
		if (backoff == null) {
			throw new IllegalArgumentException("'backoff' must not be null");
		}
		if (concurrency < 1) {
			throw new IllegalArgumentException("'concurrency' must be at least 1");
		}
		if (capacity < 1) {
			throw new IllegalArgumentException("'capacity' must be at least 1");
		}
		this.publisher = publisher;
		this.backoff = backoff;
		this.listener = (listener != null) ? listener : new DeliveryListener() {
		};
		this.room = new Semaphore(capacity);
		this.retries = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, threadNamePrefix + "retry");
			thread.setDaemon(true);
			return thread;
		});
		for (int i = 0; i < concurrency; i++) {
			Thread worker = new Thread(this::work, threadNamePrefix + "delivery-" + i);
			worker.setDaemon(true);
			this.workers.add(worker);
			worker.start();
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
		if (!this.room.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS)) {
			return false;
		}
		this.lock.lock();
		try {
			if (this.closed) {
				this.room.release();
				throw new IllegalStateException("Dispatcher is closed");
			}
			this.held++;
			Lane lane = this.lanes.get(envelope.message().key());
			if (lane == null) {
				lane = new Lane();
				this.lanes.put(envelope.message().key(), lane);
				this.ready.addLast(lane);
				this.laneReady.signal();
			}
			lane.queue.addLast(envelope);
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Waits until every message offered is delivered.
	 * @param timeout the longest wait
	 * @return {@code true} if nothing is held any more
	 * @throws InterruptedException if interrupted while waiting
	 */
	public boolean awaitDrained(Duration timeout) throws InterruptedException {
		long nanos = timeout.toNanos();
		this.lock.lock();
		try {
			while (this.held > 0) {
				if (nanos <= 0) {
					return false;
				}
				nanos = this.drained.awaitNanos(nanos);
			}
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns the number of messages held, waiting or in flight.
	 * @return the count
	 */
	public int held() {
		this.lock.lock();
		try {
			return this.held;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns the number of publisher calls under way.
	 * @return the count
	 */
	public int inFlight() {
		this.lock.lock();
		try {
			return this.inFlight;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Stops the delivery threads, interrupting publisher calls still running; messages
	 * not delivered stay unacknowledged and are read again by the next consumer.
	 */
	@Override
	public void close() {
		this.lock.lock();
		try {
			this.closed = true;
			this.laneReady.signalAll();
		}
		finally {
			this.lock.unlock();
		}
		this.retries.shutdownNow();
		this.workers.forEach(Thread::interrupt);
		for (Thread worker : this.workers) {
			try {
				worker.join(TimeUnit.SECONDS.toMillis(5));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	private void work() {
		while (true) {
			Lane lane;
			Envelope envelope;
			this.lock.lock();
			try {
				while (this.ready.isEmpty() && !this.closed) {
					this.laneReady.awaitUninterruptibly();
				}
				if (this.closed) {
					return;
				}
				lane = this.ready.pollFirst();
				envelope = lane.queue.peekFirst();
				this.inFlight++;
			}
			finally {
				this.lock.unlock();
			}
			deliver(lane, envelope);
		}
	}

	private void deliver(Lane lane, Envelope envelope) {
		long start = System.nanoTime();
		Throwable failure = null;
		try {
			this.publisher.publish(envelope.message());
		}
		catch (Throwable ex) {
			failure = ex;
		}
		Duration took = Duration.ofNanos(System.nanoTime() - start);
		if (failure == null) {
			envelope.transaction().done();
			// heard before the message leaves the buffer, so that drained means every delivery was heard
			notify(() -> this.listener.delivered(envelope, took));
			succeeded(lane, envelope);
		}
		else {
			Throwable error = failure;
			int attempt = ++lane.failedAttempts;
			Duration delay = this.backoff.delay(attempt);
			notify(() -> this.listener.failed(envelope, error, attempt, delay));
			retryLater(lane, delay);
		}
	}

	/** A listener that throws must not kill the delivery thread and strand its key. */
	private static void notify(Runnable call) {
		try {
			call.run();
		}
		catch (RuntimeException ex) {
			logger.warn("Delivery listener failed: {}", ex.toString());
		}
	}

	private void succeeded(Lane lane, Envelope envelope) {
		this.lock.lock();
		try {
			this.inFlight--;
			this.held--;
			lane.queue.pollFirst();
			lane.failedAttempts = 0;
			if (lane.queue.isEmpty()) {
				this.lanes.remove(envelope.message().key());
			}
			else {
				this.ready.addLast(lane);
				this.laneReady.signal();
			}
			if (this.held == 0) {
				this.drained.signalAll();
			}
		}
		finally {
			this.lock.unlock();
		}
		this.room.release();
	}

	private void retryLater(Lane lane, Duration delay) {
		this.lock.lock();
		try {
			this.inFlight--;
			if (this.closed) {
				return;
			}
		}
		finally {
			this.lock.unlock();
		}
		try {
			this.retries.schedule(() -> {
				this.lock.lock();
				try {
					this.ready.addLast(lane);
					this.laneReady.signal();
				}
				finally {
					this.lock.unlock();
				}
			}, delay.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (RejectedExecutionException ex) {
			// closed meanwhile: the message stays unacknowledged and is read again later
		}
	}

	/** The messages of one key, the first of which is being delivered or retried. */
	private static final class Lane {

		private final ArrayDeque<Envelope> queue = new ArrayDeque<>();

		private int failedAttempts;

	}

}
