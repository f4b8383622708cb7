package dev.pgoutbox.replication;

import java.util.ArrayDeque;

import dev.pgoutbox.Lsn;
import dev.pgoutbox.delivery.Envelope;

/**
 * Tracks which transactions read from the slot are fully delivered, and so how far the
 * slot's confirmed position may move: only to the end of a transaction whose messages,
 * and those of every earlier transaction, are done, whatever order they finish in.
 *
 * <p>
 * One reader thread opens and closes transactions; any thread may complete messages.
 * Memory is proportional to the transactions with messages still outstanding: empty
 * transactions and keep-alive positions are folded into the one before them. Thread-safe.
 */
final class AckTracker {

	private final ArrayDeque<Transaction> pending = new ArrayDeque<>();

	private Lsn confirmed;

	private Lsn lastClosedEnd = Lsn.ZERO;

	/**
	 * Creates a tracker whose confirmed position starts at {@code start}.
	 * @param start the position already confirmed to the server, not {@code null}
	 */
	AckTracker(Lsn start) {
		this.confirmed = start;
	}

	/**
	 * Opens a transaction: its messages follow, then {@link #close}.
	 * @return the transaction, to count its messages on
	 */
	synchronized Transaction open() {
		Transaction transaction = new Transaction(this);
		this.pending.addLast(transaction);
		return transaction;
	}

	/**
	 * Closes a transaction whose commit has been read; its end may be confirmed once its
	 * messages and all earlier ones are done.
	 * @param transaction the transaction from {@link #open()}
	 * @param end the end position of its commit record
	 */
	synchronized void close(Transaction transaction, Lsn end) {
		transaction.end = end;
		transaction.closed = true;
		this.lastClosedEnd = this.lastClosedEnd.max(end);
		if (transaction.remaining == 0 && this.pending.size() > 1 && this.pending.peekLast() == transaction) {
			// fold a finished transaction into the previous one, which is closed since
			// the
			// reader closes transactions in order: a stuck head then costs no memory per
			// transaction behind it
			this.pending.pollLast();
			Transaction previous = this.pending.peekLast();
			previous.end = previous.end.max(end);
		}
		advance();
	}

	/**
	 * Records that the server has sent everything up to {@code position} with no open
	 * transaction (a keep-alive while idle), so that the slot advances when the outbox is
	 * quiet but the database is not.
	 * @param position the server's sent position
	 */
	synchronized void idleAt(Lsn position) {
		Transaction last = this.pending.peekLast();
		if (last == null) {
			this.confirmed = this.confirmed.max(position);
		}
		else if (last.closed) {
			last.end = last.end.max(position);
		}
	}

	/**
	 * Forgets a transaction whose commit will never be read on this connection (it was
	 * lost mid-way); the server sends it again after a reconnect. Completions of its
	 * messages already handed out are ignored.
	 */
	synchronized void abandonOpen() {
		Transaction last = this.pending.peekLast();
		if (last != null && !last.closed) {
			this.pending.pollLast();
			last.abandoned = true;
		}
		advance();
	}

	/**
	 * Raises the confirmed position to one the server already holds for the slot, so that
	 * feedback never reports less than the slot has.
	 * @param position the slot's confirmed position
	 */
	synchronized void confirmedAtLeast(Lsn position) {
		this.confirmed = this.confirmed.max(position);
	}

	/**
	 * Returns the position up to which everything is delivered.
	 * @return the confirmable position, never {@code null}
	 */
	synchronized Lsn confirmed() {
		return this.confirmed;
	}

	/**
	 * Returns the end of the last transaction closed, where a new stream may start
	 * without reading again what is already handed out.
	 * @return the position, {@link Lsn#ZERO} if none
	 */
	synchronized Lsn lastClosedEnd() {
		return this.lastClosedEnd;
	}

	/**
	 * Returns whether nothing is outstanding.
	 * @return {@code true} if every transaction opened is closed and done
	 */
	synchronized boolean isIdle() {
		return this.pending.isEmpty();
	}

	private void advance() {
		Transaction head;
		while ((head = this.pending.peekFirst()) != null && head.closed && head.remaining == 0) {
			this.pending.pollFirst();
			this.confirmed = this.confirmed.max(head.end);
		}
	}

	/**
	 * One transaction's outstanding messages; the envelope of each completes against it.
	 */
	static final class Transaction implements Envelope.Completion {

		private final AckTracker tracker;

		private int remaining;

		private boolean closed;

		private boolean abandoned;

		private Lsn end = Lsn.ZERO;

		private Transaction(AckTracker tracker) {
			this.tracker = tracker;
		}

		/** Counts one more message of this transaction as handed out. */
		void expect() {
			synchronized (this.tracker) {
				this.remaining++;
			}
		}

		/** Counts one message of this transaction as delivered or parked. */
		@Override
		public void done() {
			synchronized (this.tracker) {
				if (this.abandoned) {
					return;
				}
				this.remaining--;
				if (this.closed && this.remaining == 0) {
					this.tracker.advance();
				}
			}
		}

		/**
		 * Returns whether every message is done and the transaction is closed.
		 * @return {@code true} if complete
		 */
		boolean isComplete() {
			synchronized (this.tracker) {
				return this.closed && this.remaining == 0;
			}
		}

	}

}
