package dev.pgoutbox.delivery;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import dev.pgoutbox.OutboxHandler;

/**
 * One {@link Dispatcher} per handler, each with its own lanes, threads, retries and dead
 * letters, so that a handler's failing or stuck key never holds another handler's, and a
 * handler that delivered is not called again because another failed. A message offered
 * here goes to every handler that takes it and counts as done once each of them has
 * delivered or parked it.
 *
 * <p>
 * {@link #offer} is called by one reader thread; the rest is thread-safe.
 */
public final class HandlerDispatchers implements AutoCloseable {

	private final List<OutboxHandler> handlers;

	private final List<Dispatcher> dispatchers;

	/** The envelope an offer ran out of time on, to go on with at the next offer. */
	private Envelope offering;

	/** What each handler that takes the envelope being offered is given. */
	private Envelope handed;

	private int next;

	/**
	 * Creates the dispatchers.
	 * @param handlers the handlers, at least one, with distinct names
	 * @param dispatcher makes a handler's dispatcher
	 */
	public HandlerDispatchers(List<OutboxHandler> handlers, Function<OutboxHandler, Dispatcher> dispatcher) {
		if (handlers == null || handlers.isEmpty()) {
			throw new IllegalArgumentException("'handlers' must not be empty");
		}
		if (handlers.stream().map(OutboxHandler::name).distinct().count() < handlers.size()) {
			throw new IllegalArgumentException("Handler names must be distinct: " + handlers);
		}
		this.handlers = List.copyOf(handlers);
		this.dispatchers = this.handlers.stream().map(dispatcher).toList();
	}

	/**
	 * Offers a message to every handler that takes it, waiting up to {@code wait} for
	 * room at each. When it runs out of time, the same envelope offered again goes on
	 * with the handlers that have not taken it yet.
	 * @param envelope the message
	 * @param wait how long to wait for room at a handler
	 * @return {@code true} once every handler that takes it has it
	 * @throws InterruptedException if interrupted while waiting
	 */
	public boolean offer(Envelope envelope, Duration wait) throws InterruptedException {
		if (envelope != this.offering) {
			this.offering = envelope;
			this.next = 0;
			int matching = 0;
			for (OutboxHandler handler : this.handlers) {
				matching += takes(handler, envelope) ? 1 : 0;
			}
			if (matching == 0) {
				this.offering = null;
				envelope.completion().done();
				return true;
			}
			// one envelope for every handler: done once each is done with it, and with a
			// single handler the one offered, unchanged
			this.handed = (matching == 1) ? envelope
					: new Envelope(envelope.message(), new CountDown(matching, envelope.completion()));
		}
		for (; this.next < this.handlers.size(); this.next++) {
			if (takes(this.handlers.get(this.next), envelope)
					&& !this.dispatchers.get(this.next).offer(this.handed, wait)) {
				return false;
			}
		}
		this.offering = null;
		return true;
	}

	private static boolean takes(OutboxHandler handler, Envelope envelope) {
		return handler.accepts(envelope.message().type())
				&& (envelope.handlers() == null || envelope.handlers().contains(handler.name()));
	}

	/**
	 * Waits until every handler has delivered or parked everything offered.
	 * @param timeout the longest wait in all
	 * @return {@code true} if nothing is held any more
	 * @throws InterruptedException if interrupted while waiting
	 */
	public boolean awaitDrained(Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		for (Dispatcher dispatcher : this.dispatchers) {
			long left = Math.max(0, deadline - System.nanoTime());
			if (!dispatcher.awaitDrained(Duration.ofNanos(left))) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Returns the messages held, counted once per handler that holds them.
	 * @return the count
	 */
	public int held() {
		return this.dispatchers.stream().mapToInt(Dispatcher::held).sum();
	}

	/**
	 * Returns the handler calls under way.
	 * @return the count
	 */
	public int inFlight() {
		return this.dispatchers.stream().mapToInt(Dispatcher::inFlight).sum();
	}

	/**
	 * Pauses or resumes every handler.
	 * @param paused whether to pause
	 */
	public void setPaused(boolean paused) {
		this.dispatchers.forEach((dispatcher) -> dispatcher.setPaused(paused));
	}

	/**
	 * Returns whether delivery is paused.
	 * @return {@code true} if paused
	 */
	public boolean isPaused() {
		return this.dispatchers.get(0).isPaused();
	}

	/**
	 * Returns the handlers' names, in order.
	 * @return the names
	 */
	public List<String> names() {
		return this.handlers.stream().map(OutboxHandler::name).toList();
	}

	@Override
	public void close() {
		this.dispatchers.forEach(Dispatcher::close);
	}

	/** Done once every handler that took the message is done with it. */
	private static final class CountDown implements Envelope.Completion {

		private final AtomicInteger left;

		private final Envelope.Completion completion;

		CountDown(int handlers, Envelope.Completion completion) {
			this.left = new AtomicInteger(handlers);
			this.completion = completion;
		}

		@Override
		public void done() {
			if (this.left.decrementAndGet() == 0) {
				this.completion.done();
			}
		}

	}

}
