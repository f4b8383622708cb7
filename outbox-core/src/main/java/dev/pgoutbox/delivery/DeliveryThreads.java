package dev.pgoutbox.delivery;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.pgoutbox.AsyncMessagePublisher;
import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.PublishTimeoutException;

/**
 * The {@link Dispatcher}'s delivery threads, with the watchdog that gives up on a publish
 * call past the timeout and puts a fresh thread in place of the one stuck in it.
 */
final class DeliveryThreads {

	/** How long a stop waits, in all, for delivery threads to end once interrupted. */
	static final Duration STOP_GRACE = Duration.ofSeconds(1);

	// logged under the Dispatcher, whose name is the one operators set levels for
	private static final Logger logger = LoggerFactory.getLogger(Dispatcher.class);

	private final MessagePublisher publisher;

	private final Lanes lanes;

	private final Outcomes outcomes;

	private final String threadNamePrefix;

	private final long publishTimeoutNanos;

	private final Duration publishTimeout;

	private final List<DeliveryWorker> workers = new CopyOnWriteArrayList<>();

	/** Threads left inside a publish call that timed out, interrupted again on stop. */
	private final Set<Thread> abandoned = ConcurrentHashMap.newKeySet();

	private final AtomicInteger workerNumbers = new AtomicInteger();

	/** The calls of an asynchronous publisher; {@code null} for a blocking one. */
	private final HandedOffCalls handedOff;

	DeliveryThreads(MessagePublisher publisher, Lanes lanes, Outcomes outcomes, String threadNamePrefix,
			long publishTimeoutNanos, Duration publishTimeout) {
		this.publisher = publisher;
		this.lanes = lanes;
		this.outcomes = outcomes;
		this.threadNamePrefix = threadNamePrefix;
		this.publishTimeoutNanos = publishTimeoutNanos;
		this.publishTimeout = publishTimeout;
		this.handedOff = (publisher instanceof AsyncMessagePublisher async)
				? new HandedOffCalls(async, lanes, outcomes, publishTimeoutNanos, publishTimeout) : null;
	}

	void start() {
		String name = this.threadNamePrefix + "delivery-" + this.workerNumbers.getAndIncrement();
		DeliveryWorker worker = new DeliveryWorker(name, this.publisher, this.lanes, this.outcomes,
				this.publishTimeoutNanos, this.handedOff);
		this.workers.add(worker);
		worker.thread().start();
	}

	/** Runs on the timer: gives up on calls past the publish timeout. */
	void expireOverdueCalls() {
		long now = System.nanoTime();
		for (DeliveryWorker worker : this.workers) {
			PublishCall call = worker.call();
			if (call != null && now - call.started >= this.publishTimeoutNanos && call.settle(PublishCall.TIMED_OUT)) {
				replace(worker);
				worker.thread().interrupt();
				this.outcomes.failed(call.lane, call.envelope, new PublishTimeoutException(this.publishTimeout));
			}
		}
		if (this.handedOff != null) {
			this.handedOff.expireOverdue(now);
		}
		this.abandoned.removeIf((thread) -> !thread.isAlive());
	}

	private void replace(DeliveryWorker worker) {
		this.lanes.underLock(() -> {
			this.workers.remove(worker);
			this.abandoned.add(worker.thread());
			this.lanes.threadAbandoned();
		}, this::start);
		if (this.abandoned.size() > this.workers.size()) {
			logger.warn("{} outbox delivery threads are still inside MessagePublisher calls that timed out and "
					+ "ignored interruption", this.abandoned.size());
		}
	}

	/**
	 * Interrupts every thread, abandoned ones too, and waits up to {@link #STOP_GRACE} in
	 * all, not per thread, for the delivery threads to end: a publisher that ignores
	 * interruption must not stretch the stop by a wait per stuck key. Threads still
	 * inside such a call are left behind as daemons.
	 */
	void stop() {
		this.abandoned.forEach(Thread::interrupt);
		this.workers.forEach((worker) -> worker.thread().interrupt());
		long deadline = System.nanoTime() + STOP_GRACE.toNanos();
		int stuck = 0;
		for (DeliveryWorker worker : this.workers) {
			try {
				long left = deadline - System.nanoTime();
				if (left > 0) {
					TimeUnit.NANOSECONDS.timedJoin(worker.thread(), left);
				}
				if (worker.thread().isAlive()) {
					stuck++;
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
		if (stuck > 0) {
			logger.warn("{} delivery thread(s) still inside a publisher call that ignored interruption; left behind",
					stuck);
		}
	}

}
