package dev.pgoutbox.replication;

import dev.pgoutbox.relay.RelayState;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.ReplicationSlotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.pgoutbox.Lsn;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.delivery.Envelope;
import dev.pgoutbox.pgoutput.Begin;
import dev.pgoutbox.pgoutput.Commit;
import dev.pgoutbox.pgoutput.Insert;
import dev.pgoutbox.pgoutput.PgOutputDecoder;
import dev.pgoutbox.pgoutput.PgOutputMessage;
import dev.pgoutbox.pgoutput.Relation;

/**
 * One replication connection's life: make sure the slot exists (reading the table's
 * backlog when it is new), stream from it, and on stop confirm the final position.
 *
 * <p>Reads with {@link PGReplicationStream#readPending()} rather than the blocking
 * {@code read()}: pgjdbc 42.7.11 to 42.7.13 break a blocking read on an idle slot after
 * one status interval (pgjdbc issue 4328), while {@code readPending()} waits at most about
 * a millisecond on the socket and never sees that failure. Not thread-safe: runs on the
 * relay's thread.
 */
final class ReplicationSession {

	private static final Logger logger = LoggerFactory.getLogger(ReplicationSession.class);

	private static final Duration OFFER_WAIT = Duration.ofMillis(100);

	/**
	 * How soon a moved position is told to the server: everything delivered since the last
	 * feedback is delivered again after a crash, so this bounds duplicates by throughput x
	 * gap (60 messages at 3,000/s), at the cost of 50 small status messages a second.
	 */
	private static final long MIN_FEEDBACK_GAP = TimeUnit.MILLISECONDS.toNanos(20);

	private final OutboxRelay relay;

	private final PGConnection connection;

	private final SlotLock lock;

	private final AckTracker tracker;

	private final PgOutputDecoder decoder = new PgOutputDecoder();

	private AckTracker.Transaction backfill;

	private Lsn lastSent = Lsn.ZERO;

	private Lsn lastSet;

	private long lastSentAt = System.nanoTime();

	private long lockCheckedAt = System.nanoTime();

	private long keepAliveNanos;

	ReplicationSession(OutboxRelay relay, PGConnection connection, SlotLock lock) {
		this.relay = relay;
		this.connection = connection;
		this.lock = lock;
		this.tracker = relay.tracker;
	}

	void run() throws SQLException, InterruptedException {
		this.keepAliveNanos = keepAliveInterval();
		Lsn start = prepareSlot();
		if (this.relay.stopRequested()) {
			return;
		}
		PGReplicationStream stream = this.connection.getReplicationAPI()
			.replicationStream()
			.logical()
			.withSlotName(this.relay.settings.slot().name())
			.withStartPosition(LogSequenceNumber.valueOf(start.value()))
			.withSlotOption("proto_version", "1")
			.withSlotOption("publication_names", this.relay.settings.publication().quoted())
			.withStatusInterval((int) this.relay.settings.statusInterval().toMillis(), TimeUnit.MILLISECONDS)
			.withAutomaticFlush(false)
			.start();
		try {
			feedback(stream, false);
			this.relay.enter(RelayState.RUNNING);
			logger.info("Outbox relay streaming from slot '{}' (confirmed position {})", this.relay.slotName(),
					this.tracker.confirmed().asString());
			stream(stream);
			finish(stream);
		}
		finally {
			try {
				stream.close();
			}
			catch (SQLException ex) {
				logger.debug("Closing the replication stream failed", ex);
			}
		}
	}

	/**
	 * Returns where to start streaming: the slot's own position for an existing slot, or
	 * the consistent point of a new one after its backlog has been handed out.
	 */
	private Lsn prepareSlot() throws SQLException, InterruptedException {
		try (Connection ordinary = this.relay.dataSource.getConnection()) {
			SlotCatalog.SlotInfo slot = this.relay.catalog.find(ordinary);
			String unusable = (slot != null) ? slot.unusableReason(this.relay.settings.slot(), ordinary.getCatalog())
					: null;
			if (unusable != null) {
				throw new SQLException(unusable + ": drop it or set outbox.replication.slot-name to another name");
			}
			if (slot != null && slot.isLost()) {
				logger.warn("Replication slot '{}' was invalidated (wal_status=lost): the server removed WAL it still "
						+ "needed; recreating it and delivering the rows still in the outbox table",
						this.relay.slotName());
				this.relay.catalog.drop(ordinary);
				slot = null;
			}
			if (slot != null && this.relay.catalog.isBackfillPending(ordinary)) {
				logger.warn("The backlog read of slot '{}' did not finish last time; recreating the slot to read it again",
						this.relay.slotName());
				this.relay.catalog.drop(ordinary);
				slot = null;
			}
			if (slot != null) {
				this.tracker.confirmedAtLeast(slot.confirmedFlush());
				// after a reconnect, skip what was already handed out; zero lets the server choose
				return this.tracker.lastClosedEnd();
			}
			this.relay.catalog.markBackfill(ordinary, true);
		}
		ReplicationSlotInfo created = this.connection.getReplicationAPI()
			.createReplicationSlot()
			.logical()
			.withSlotName(this.relay.settings.slot().name())
			.withOutputPlugin("pgoutput")
			.make();
		Lsn point = Lsn.valueOf(created.getConsistentPoint().asLong());
		logger.info("Created replication slot '{}' at {}; reading the outbox rows written before it",
				this.relay.slotName(), point.asString());
		AckTracker.Transaction rows = this.tracker.open();
		long count = this.relay.backfill.read(created.getSnapshotName(), point, (message) -> {
			if (this.relay.stopRequested()) {
				throw new InterruptedException("stopping during the backlog read");
			}
			rows.expect();
			offer(new Envelope(message, rows), null);
		});
		this.tracker.close(rows, point);
		this.backfill = rows;
		logger.info("Handed out {} outbox rows written before slot '{}' was created", count, this.relay.slotName());
		return point;
	}

	private void stream(PGReplicationStream stream) throws SQLException, InterruptedException {
		AckTracker.Transaction transaction = null;
		Begin begin = null;
		while (!this.relay.stopRequested() || (transaction != null && !this.relay.pastStopDeadline())) {
			checkLock();
			ByteBuffer buffer = stream.readPending();
			if (buffer == null) {
				if (transaction == null) {
					this.tracker.idleAt(Lsn.valueOf(stream.getLastReceiveLSN().asLong()));
				}
				feedback(stream, false);
				continue;
			}
			PgOutputMessage message = this.decoder.decode(buffer);
			if (message instanceof Insert insert) {
				if (transaction == null) {
					throw new SQLException("pgoutput sent an Insert outside a transaction");
				}
				OutboxMessage outboxMessage = this.relay.mapper.map(insert, begin.commitTime(), begin.finalLsn());
				if (outboxMessage != null) {
					transaction.expect();
					offer(new Envelope(outboxMessage, transaction), stream);
				}
			}
			else if (message instanceof Begin started) {
				transaction = this.tracker.open();
				begin = started;
			}
			else if (message instanceof Commit commit) {
				if (transaction == null) {
					throw new SQLException("pgoutput sent a Commit outside a transaction");
				}
				this.tracker.close(transaction, commit.endLsn());
				transaction = null;
				feedback(stream, false);
			}
			else if (message instanceof Relation relation) {
				this.relay.mapper.learn(relation);
			}
		}
		if (transaction != null) {
			// the stop timeout ran out inside a transaction: the next consumer reads it whole
			this.tracker.abandonOpen();
		}
	}

	/**
	 * Stops streaming once the slot's lock is lost (its session died): another instance
	 * may take over, and two must not deliver from one slot.
	 */
	private void checkLock() throws SQLException {
		long now = System.nanoTime();
		if (now - this.lockCheckedAt >= this.relay.settings.statusInterval().toNanos()) {
			this.lockCheckedAt = now;
			if (!this.lock.isHeld()) {
				throw new SQLException("Lost the session holding the lock of slot '" + this.relay.slotName() + "'");
			}
		}
	}

	private void finish(PGReplicationStream stream) throws SQLException, InterruptedException {
		this.relay.enter(RelayState.STOPPING);
		while (!this.relay.dispatcher().awaitDrained(OFFER_WAIT) && !this.relay.pastStopDeadline()) {
			feedback(stream, false);
		}
		completeBackfill();
		feedback(stream, true);
		logger.info("Outbox relay confirmed position {} on slot '{}' before closing", this.lastSent.asString(),
				this.relay.slotName());
	}

	private void offer(Envelope envelope, PGReplicationStream stream) throws SQLException, InterruptedException {
		while (!this.relay.dispatcher().offer(envelope, OFFER_WAIT)) {
			if (this.relay.pastStopDeadline()) {
				throw new InterruptedException("stop timeout reached while the delivery buffer was full");
			}
			if (stream != null) {
				// not reading while the buffer is full: keep the server from timing us out
				feedback(stream, false);
			}
		}
	}

	/**
	 * Returns how often to send feedback at the least: the status interval, or a third of
	 * the server's {@code wal_sender_timeout} if that is shorter, so that a relay which
	 * stops reading while its buffer is full is never taken for a dead client.
	 */
	private long keepAliveInterval() throws SQLException {
		long status = this.relay.settings.statusInterval().toNanos();
		try (Statement statement = ((Connection) this.connection).createStatement();
				ResultSet rs = statement.executeQuery("SHOW wal_sender_timeout")) {
			long timeout = rs.next() ? ServerDurations.parse(rs.getString(1)).toNanos() : 0;
			return (timeout > 0) ? Math.min(status, timeout / 3) : status;
		}
	}

	/**
	 * Tells the server how far everything is delivered: at once when forced, otherwise
	 * when the position moved (at most every 20 ms) or a keep-alive interval has passed.
	 */
	private void feedback(PGReplicationStream stream, boolean force) throws SQLException {
		completeBackfill();
		Lsn confirmed = this.tracker.confirmed();
		if (!confirmed.equals(this.lastSet)) {
			// the driver's own periodic status message reads these
			LogSequenceNumber position = LogSequenceNumber.valueOf(confirmed.value());
			stream.setFlushedLSN(position);
			stream.setAppliedLSN(position);
			this.lastSet = confirmed;
		}
		long sinceLast = System.nanoTime() - this.lastSentAt;
		if (force || (confirmed.compareTo(this.lastSent) > 0 && sinceLast >= MIN_FEEDBACK_GAP)
				|| sinceLast >= this.keepAliveNanos) {
			stream.forceUpdateStatus();
			this.lastSent = confirmed;
			this.lastSentAt = System.nanoTime();
		}
	}

	private void completeBackfill() throws SQLException {
		if (this.backfill != null && this.backfill.isComplete()) {
			try (Connection ordinary = this.relay.dataSource.getConnection()) {
				this.relay.catalog.markBackfill(ordinary, false);
			}
			this.backfill = null;
			logger.info("Backlog of slot '{}' delivered", this.relay.slotName());
		}
	}

}
