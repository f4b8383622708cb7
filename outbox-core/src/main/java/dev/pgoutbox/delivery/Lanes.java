package dev.pgoutbox.delivery;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link Dispatcher}'s bounded buffer: one {@link Lane} per key, handed to one
 * delivery thread at a time and taken back once its head is done or is to be tried again.
 */
final class Lanes {

	private final Semaphore room;

	private final ScheduledExecutorService timer;

	private final ReentrantLock lock = new ReentrantLock();

	private final Condition laneReady = this.lock.newCondition();

	private final Condition drained = this.lock.newCondition();

	private final Map<String, Lane> byKey = new HashMap<>();

	private final ArrayDeque<Lane> ready = new ArrayDeque<>();

	private int held;

	/** Calls under way on a delivery thread. */
	private int inFlight;

	/**
	 * Calls handed to an {@link dev.pgoutbox.AsyncMessagePublisher}: under way without a
	 * delivery thread.
	 */
	private int handedOff;

	private boolean closed;

	private boolean paused;

	/**
	 * Delivery threads not parked in {@link #take()}: in a call, or on their way back to
	 * take another lane.
	 */
	private int running;

	/** Delivery threads parked in {@link #take()}. */
	private int waiting;

	/** Parked threads signalled and not yet awake. */
	private int wakeups;

	Lanes(int capacity, ScheduledExecutorService timer) {
		this.room = new Semaphore(capacity);
		this.timer = timer;
	}

	boolean offer(Envelope envelope, Duration wait) throws InterruptedException {
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
			Lane lane = this.byKey.get(envelope.message().key());
			if (lane == null) {
				lane = new Lane();
				this.byKey.put(envelope.message().key(), lane);
				this.ready.addLast(lane);
				wakeForReadyLane();
			}
			lane.queue.addLast(envelope);
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	boolean awaitDrained(Duration timeout) throws InterruptedException {
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

	int held() {
		this.lock.lock();
		try {
			return this.held;
		}
		finally {
			this.lock.unlock();
		}
	}

	int inFlight() {
		this.lock.lock();
		try {
			return this.inFlight + this.handedOff;
		}
		finally {
			this.lock.unlock();
		}
	}

	void setPaused(boolean paused) {
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

	boolean isPaused() {
		this.lock.lock();
		try {
			return this.paused;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Refuses further offers and lets every delivery thread waiting in {@link #take}
	 * return.
	 */
	void close() {
		this.lock.lock();
		try {
			this.closed = true;
			this.laneReady.signalAll();
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Waits for a ready lane while not paused, and hands it, with its {@link Lane#head}
	 * set, to the calling delivery thread, which holds it until it calls
	 * {@link #finished} or {@link #retryLater}.
	 * @return the lane, or {@code null} once closed
	 */
	Lane take() {
		this.lock.lock();
		try {
			while ((this.ready.isEmpty() || this.paused) && !this.closed) {
				this.running--;
				this.waiting++;
				this.laneReady.awaitUninterruptibly();
				this.waiting--;
				this.running++;
				if (this.wakeups > 0) {
					this.wakeups--;
				}
			}
			if (this.closed) {
				this.running--;
				return null;
			}
			Lane lane = this.ready.pollFirst();
			lane.head = lane.queue.peekFirst();
			this.inFlight++;
			return lane;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * The head of the lane is delivered or parked: the next message of its key may go.
	 */
	void finished(Lane lane, Envelope envelope) {
		lane.reset();
		this.lock.lock();
		try {
			callEnded(lane);
			this.held--;
			lane.queue.pollFirst();
			if (lane.queue.isEmpty()) {
				this.byKey.remove(envelope.message().key());
			}
			else {
				this.ready.addLast(lane);
				wakeForReadyLane();
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

	/** The head of the lane stays: the lane is ready again after {@code delay}. */
	void retryLater(Lane lane, Duration delay) {
		this.lock.lock();
		try {
			callEnded(lane);
			if (this.closed) {
				return;
			}
			if (delay.isZero()) {
				this.ready.addLast(lane);
				wakeForReadyLane();
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
					wakeForReadyLane();
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

	/**
	 * The delivery thread holding the lane has handed its head to an asynchronous
	 * publisher and goes back to take another lane; the lane stays out of the ready ones
	 * until the call's outcome comes, on whatever thread completes it.
	 */
	void handedOff(Lane lane) {
		this.lock.lock();
		try {
			this.inFlight--;
			this.handedOff++;
			lane.handedOff = true;
		}
		finally {
			this.lock.unlock();
		}
	}

	private void callEnded(Lane lane) {
		if (lane.handedOff) {
			lane.handedOff = false;
			this.handedOff--;
		}
		else {
			this.inFlight--;
		}
	}

	/**
	 * Wakes a parked delivery thread for a lane that just became ready, unless a thread
	 * already on its way to {@link #take()}, or one already signalled, will take it. With
	 * a fast publisher one running thread then serves lane after lane without a park and
	 * wake-up per message; with a slow one every lane still gets a thread.
	 */
	private void wakeForReadyLane() {
		int takers = this.running - this.inFlight;
		if (this.ready.size() > takers + this.wakeups && this.waiting > this.wakeups) {
			this.wakeups++;
			this.laneReady.signal();
		}
	}

	/** A delivery thread starts: it takes lanes until it is closed or abandoned. */
	void threadStarted() {
		this.lock.lock();
		try {
			this.running++;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * A delivery thread stuck in a timed-out call no longer takes lanes; it ends when the
	 * call returns.
	 */
	void threadAbandoned() {
		this.running--;
	}

	/**
	 * Runs {@code action}, then {@code unlessClosed} if not closed, under the lock, so
	 * that a delivery thread started by {@code unlessClosed} cannot be missed by the
	 * close that follows.
	 */
	void underLock(Runnable action, Runnable unlessClosed) {
		this.lock.lock();
		try {
			action.run();
			if (!this.closed) {
				unlessClosed.run();
			}
		}
		finally {
			this.lock.unlock();
		}
	}

}
