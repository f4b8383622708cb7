package dev.pgoutbox.delivery;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.pgoutbox.MessagePublisher;

/**
 * Hands messages to the {@link MessagePublisher} over per-key lanes: one key's messages
 * go one at a time in the order offered, different keys go in parallel on up to
 * {@code concurrency} threads, and a failed message is retried with backoff while later
 * messages of its key wait and other keys flow. After its last attempt (see
 * {@link DeliveryPolicy}) a message is handed to the {@link MessageParker}, and once it is
 * stored it counts as done; if storing fails it stays at the head of its lane and parking
 * is tried again with backoff, so that no message is ever dropped.
 *
 * <p>A publish call that runs past the policy's timeout counts as failed: a timer thread
 * interrupts it, schedules the retry and puts a fresh delivery thread in its place, so the
 * key goes on without waiting for the call. The publisher runs on the delivery thread
 * itself, so the normal path has no handoff between threads; the only cost is recording
 * the call's start. A call that ignores interruption keeps its (abandoned) thread until it
 * returns, and may still reach the broker: that can only cause a duplicate, since the
 * message is retried anyway.
 *
 * <p>Memory is bounded: at most {@code capacity} messages are held, and
 * {@link #offer} waits for room. Thread-safe.
 */
public final class Dispatcher implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(Dispatcher.class);

	private final MessagePublisher publisher;

	private final DeliveryPolicy policy;

	private final MessageParker parker;

	private final DeliveryListener listener;

	private final String threadNamePrefix;

	private final long publishTimeoutNanos;

	private final Semaphore room;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition laneReady = this.lock.newCondition();

	private final Condition drained = this.lock.newCondition();

	private final Map<String, Lane> lanes = new HashMap<>();

	private final ArrayDeque<Lane> ready = new ArrayDeque<>();

	private final List<Worker> workers = new CopyOnWriteArrayList<>();

	/** Threads left inside a publish call that timed out, interrupted again on close. */
	private final Set<Thread> abandoned = ConcurrentHashMap.newKeySet();

	private final AtomicInteger workerNumbers = new AtomicInteger();

	private final ScheduledExecutorService timer;

	private int held;

	private int inFlight;

	private boolean closed;

	private boolean paused;

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
	public Dispatcher(MessagePublisher publisher, int concurrency, int capacity, Backoff backoff,
			DeliveryListener listener, String threadNamePrefix) {
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
		this.publisher = publisher;
		this.policy = policy;
		this.parker = parker;
		this.listener = (listener != null) ? listener : new DeliveryListener() {
		};
		this.threadNamePrefix = threadNamePrefix;
		this.publishTimeoutNanos = (policy.publishTimeout() != null) ? policy.publishTimeout().toNanos() : 0;
		this.room = new Semaphore(capacity);
		this.timer = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, threadNamePrefix + "retry");
			thread.setDaemon(true);
			return thread;
		});
		if (this.publishTimeoutNanos > 0) {
			// a call is given up between one and 1.1 timeouts after it started
			long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(1),
					Math.min(this.publishTimeoutNanos / 10, TimeUnit.SECONDS.toNanos(1)));
			this.timer.scheduleWithFixedDelay(this::expireOverdueCalls, tick, tick, TimeUnit.NANOSECONDS);
		}
		for (int i = 0; i < concurrency; i++) {
			startWorker();
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
	 * Waits until every message offered is delivered or parked.
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
	 * Returns the number of messages held, waiting, in flight or being parked.
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
	 * Returns the number of publisher or parker calls under way, not counting calls given
	 * up after the publish timeout.
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
	 * Pauses or resumes delivery: while paused no new publisher call starts (calls under
	 * way finish), so messages pile up to the buffer's capacity and reading then waits.
	 * @param paused whether to pause
	 */
	public void setPaused(boolean paused) {
		this.lock.lock();
		try {
			this.paused = paused;
			if (!paused) {
				this.laneReady.signalAll();
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Returns whether delivery is paused.
	 * @return {@code true} if paused
	 */
	public boolean isPaused() {
		this.lock.lock();
		try {
			return this.paused;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Stops the delivery threads, interrupting publisher calls still running; messages
	 * not delivered or parked stay unacknowledged and are read again by the next consumer.
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
		this.timer.shutdownNow();
		this.abandoned.forEach(Thread::interrupt);
		this.workers.forEach((worker) -> worker.thread.interrupt());
		for (Worker worker : this.workers) {
			try {
				worker.thread.join(TimeUnit.SECONDS.toMillis(5));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	private void startWorker() {
		Worker worker = new Worker(this.threadNamePrefix + "delivery-" + this.workerNumbers.getAndIncrement());
		this.workers.add(worker);
		worker.thread.start();
	}

	/**
	 * Publishes the head of a lane on the calling delivery thread.
	 * @return {@code false} if the call timed out meanwhile and this thread was replaced
	 */
	private boolean publish(Worker worker, Lane lane, Envelope envelope) {
		long start = System.nanoTime();
		Call call = null;
		if (this.publishTimeoutNanos > 0) {
			call = new Call(lane, envelope, start);
			worker.call = call;
		}
		Throwable failure = null;
		try {
			this.publisher.publish(envelope.message());
		}
		catch (Throwable ex) {
			failure = ex;
		}
		long took = System.nanoTime() - start;
		if (call != null) {
			worker.call = null;
			if (!call.settle(Call.RETURNED)) {
				// given up on: the retry is scheduled and another thread serves the lanes
				Thread.interrupted();
				logger.debug("Publishing outbox message {} returned after {} ms, past the publish timeout{}",
						envelope.message().id(), TimeUnit.NANOSECONDS.toMillis(took),
						(failure != null) ? "" : "; it is delivered again by the retry");
				return false;
			}
		}
		// a publisher may leave the flag set; it must not fail the next, unrelated call
		Thread.interrupted();
		if (failure == null) {
			envelope.transaction().done();
			// heard before the message leaves the buffer, so that drained means every delivery was heard
			notify(() -> this.listener.delivered(envelope, Duration.ofNanos(took)));
			finished(lane, envelope);
		}
		else {
			failed(lane, envelope, failure);
		}
		return true;
	}

	/** Runs on the timer: gives up on calls past the publish timeout. */
	private void expireOverdueCalls() {
		long now = System.nanoTime();
		for (Worker worker : this.workers) {
			Call call = worker.call;
			if (call != null && now - call.started >= this.publishTimeoutNanos && call.settle(Call.TIMED_OUT)) {
				replace(worker);
				worker.thread.interrupt();
				failed(call.lane, call.envelope, new PublishTimeoutException(this.policy.publishTimeout()));
			}
		}
		this.abandoned.removeIf((thread) -> !thread.isAlive());
	}

	private void replace(Worker worker) {
		this.lock.lock();
		try {
			this.workers.remove(worker);
			this.abandoned.add(worker.thread);
			if (!this.closed) {
				startWorker();
			}
		}
		finally {
			this.lock.unlock();
		}
		if (this.abandoned.size() > this.workers.size()) {
			logger.warn("{} outbox delivery threads are still inside MessagePublisher calls that timed out and "
					+ "ignored interruption", this.abandoned.size());
		}
	}

	/** Called by the lane's current owner: a delivery thread, or the timer for a timed-out call. */
	private void failed(Lane lane, Envelope envelope, Throwable error) {
		int attempt = ++lane.failedAttempts;
		if (this.policy.exhausted(attempt)) {
			lane.lastError = error;
			// parked by a delivery thread, which may block on the database
			retryLater(lane, Duration.ZERO);
			return;
		}
		Duration delay = this.policy.backoff().delay(attempt);
		notify(() -> this.listener.failed(envelope, error, attempt, delay));
		retryLater(lane, delay);
	}

	private void park(Lane lane, Envelope envelope) {
		int attempts = lane.failedAttempts;
		Throwable lastError = lane.lastError;
		try {
			this.parker.park(envelope, attempts, lastError);
		}
		catch (Throwable ex) {
			Thread.interrupted();
			int failures = ++lane.parkingFailures;
			Duration delay = this.policy.backoff().delay(failures);
			// the parker's errors must not carry the payload; see MessageParker
			logger.warn("Could not park outbox message {} (type '{}', key '{}'), trying again in {} ms: {}",
					envelope.message().id(), envelope.message().type(), envelope.message().key(), delay.toMillis(),
					ex.toString());
			retryLater(lane, delay);
			return;
		}
		Thread.interrupted();
		envelope.transaction().done();
		notify(() -> this.listener.parked(envelope, attempts, lastError));
		finished(lane, envelope);
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

	/** The head of the lane is delivered or parked: the next message of its key may go. */
	private void finished(Lane lane, Envelope envelope) {
		lane.reset();
		this.lock.lock();
		try {
			this.inFlight--;
			this.held--;
			lane.queue.pollFirst();
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
			if (delay.isZero()) {
				this.ready.addLast(lane);
				this.laneReady.signal();
				return;
			}
		}
		finally {
			this.lock.unlock();
		}
		try {
			this.timer.schedule(() -> {
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

	/** A delivery thread: takes ready lanes and publishes or parks their head. */
	private final class Worker implements Runnable {

		private final Thread thread;

		/** The publish call under way, watched for the timeout; {@code null} between calls. */
		private volatile Call call;

		private Worker(String name) {
			this.thread = new Thread(this, name);
			this.thread.setDaemon(true);
		}

		@Override
		public void run() {
			while (true) {
				Lane lane;
				Envelope envelope;
				Dispatcher.this.lock.lock();
				try {
					while ((Dispatcher.this.ready.isEmpty() || Dispatcher.this.paused) && !Dispatcher.this.closed) {
						Dispatcher.this.laneReady.awaitUninterruptibly();
					}
					if (Dispatcher.this.closed) {
						return;
					}
					lane = Dispatcher.this.ready.pollFirst();
					envelope = lane.queue.peekFirst();
					Dispatcher.this.inFlight++;
				}
				finally {
					Dispatcher.this.lock.unlock();
				}
				if (lane.lastError != null) {
					park(lane, envelope);
				}
				else if (!publish(this, lane, envelope)) {
					return;
				}
			}
		}

	}

	/** One publish call, settled exactly once: by its return or by the timeout. */
	private static final class Call {

		static final int RETURNED = 1;

		static final int TIMED_OUT = 2;

		private static final AtomicIntegerFieldUpdater<Call> STATE = AtomicIntegerFieldUpdater.newUpdater(Call.class,
				"state");

		private final Lane lane;

		private final Envelope envelope;

		private final long started;

		private volatile int state;

		private Call(Lane lane, Envelope envelope, long started) {
			this.lane = lane;
			this.envelope = envelope;
			this.started = started;
		}

		boolean settle(int outcome) {
			return STATE.compareAndSet(this, 0, outcome);
		}

	}

	/**
	 * The messages of one key, the first of which is being delivered, retried or parked.
	 * Its attempt fields belong to whichever thread holds the lane at the time.
	 */
	private static final class Lane {

		private final ArrayDeque<Envelope> queue = new ArrayDeque<>();

		private int failedAttempts;

		/** What the last attempt threw once the head has had its last attempt: it is to be parked. */
		private Throwable lastError;

		private int parkingFailures;

		void reset() {
			this.failedAttempts = 0;
			this.lastError = null;
			this.parkingFailures = 0;
		}

	}

}
