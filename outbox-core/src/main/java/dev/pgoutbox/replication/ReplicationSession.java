package dev.pgoutbox.replication;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.ReplicationSlotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.pgoutbox.Lsn;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.delivery.Envelope;
import dev.pgoutbox.delivery.HandlerDispatchers;
import dev.pgoutbox.pgoutput.Begin;
import dev.pgoutbox.pgoutput.Commit;
import dev.pgoutbox.pgoutput.Insert;
import dev.pgoutbox.pgoutput.LogicalMessage;
import dev.pgoutbox.pgoutput.PgOutputDecoder;
import dev.pgoutbox.pgoutput.PgOutputMessage;
import dev.pgoutbox.pgoutput.Relation;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.schema.MessageStore;

/**
 * One replication connection's life: make sure the slot exists (reading the table's
 * backlog when it is new), stream from it, and on stop confirm the final position.
 *
 * <p>
 * Reads with {@link PGReplicationStream#readPending()} rather than the blocking
 * {@code read()}: pgjdbc 42.7.11 to 42.7.14 (the last checked) break a blocking read on
 * an idle slot after one status interval (pgjdbc issue 4328), while {@code readPending()}
 * waits at most about a millisecond on the socket and never sees that failure. Not
 * thread-safe: runs on the relay's thread.
 */
final class ReplicationSession {

	private static final Logger logger = LoggerFactory.getLogger(ReplicationSession.class);

	private static final Duration OFFER_WAIT = Duration.ofMillis(100);

	/**
	 * How soon a moved position is told to the server: everything delivered since the
	 * last feedback is delivered again after a crash, so this bounds duplicates by
	 * throughput x gap (60 messages at 3,000/s), at the cost of 50 small status messages
	 * a second.
	 */
	/** How often the slot's lock, and with it the server, is checked at the most. */
	private static final long LOCK_CHECK_INTERVAL = TimeUnit.SECONDS.toNanos(1);

	private static final long MIN_FEEDBACK_GAP = TimeUnit.MILLISECONDS.toNanos(20);

	/**
	 * Messages read in one go, since the reader last waited, for the nap to be taken: a
	 * server sending a message now and then is read as it sends, with no nap's delay, and
	 * a nap that let fewer pile up is not repeated.
	 */
	private static final int NAP_WORTH = 64;

	/** A read that took longer than this waited for the server. */
	private static final long WAITED_NANOS = TimeUnit.MICROSECONDS.toNanos(20);

	private final RelaySettings settings;

	private final String slotName;

	private final DataSource dataSource;

	private final SlotCatalog catalog;

	private final SnapshotBackfill backfill;

	private final OutboxRowMapper mapper;

	private final AckTracker tracker;

	private final DeliveredRowCleaner cleaner;

	private final HandlerDispatchers dispatcher;

	private final StopRequest stop;

	private final Consumer<RelayState> states;

	private final PGConnection connection;

	private final SlotLock lock;

	private final PgOutputDecoder decoder = new PgOutputDecoder();

	/**
	 * The transaction the rows of the table's backlog count against, until all are
	 * delivered.
	 */
	private final AtomicReference<AckTracker.Transaction> backlog;

	private Lsn lastSent = Lsn.ZERO;

	private Lsn lastSet;

	private long lastSentAt = System.nanoTime();

	private long lockCheckedAt = System.nanoTime();

	private long lastSavedAt = System.nanoTime();

	private Lsn lastSaved = Lsn.ZERO;

	private long keepAliveNanos;

	ReplicationSession(SessionContext context, HandlerDispatchers dispatcher, PGConnection connection, SlotLock lock) {
		this.settings = context.settings();
		this.slotName = context.settings().slot().name();
		this.dataSource = context.dataSource();
		this.catalog = context.catalog();
		this.backfill = context.backfill();
		this.mapper = context.mapper();
		this.tracker = context.tracker();
		this.cleaner = context.cleaner();
		this.backlog = context.backlog();
		this.dispatcher = dispatcher;
		this.stop = context.stop();
		this.states = context.states();
		this.connection = connection;
		this.lock = lock;
	}

	void run() throws SQLException, InterruptedException {
		this.keepAliveNanos = keepAliveInterval();
		Lsn start = prepareSlot();
		if (this.stop.isRequested()) {
			return;
		}
		var builder = this.connection.getReplicationAPI()
			.replicationStream()
			.logical()
			.withSlotName(this.slotName)
			.withStartPosition(LogSequenceNumber.valueOf(start.value()))
			.withSlotOption("proto_version", "1")
			.withSlotOption("publication_names", this.settings.publication().quoted());
		if (serverMajorVersion() >= 14) {
			// the WAL store's messages; read in either store, so that switching stores
			// loses nothing
			builder = builder.withSlotOption("messages", "true");
		}
		PGReplicationStream stream = builder
			.withStatusInterval((int) this.settings.statusInterval().toMillis(), TimeUnit.MILLISECONDS)
			.withAutomaticFlush(false)
			.start();
		try {
			feedback(stream, false);
			this.states.accept(RelayState.RUNNING);
			logger.info("Outbox relay streaming from slot '{}' (confirmed position {})", this.slotName,
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
		try (Connection ordinary = this.dataSource.getConnection()) {
			SlotCatalog.SlotInfo slot = this.catalog.find(ordinary);
			String unusable = (slot != null) ? slot.unusableReason(this.settings.slot(), ordinary.getCatalog()) : null;
			if (unusable != null) {
				throw new SQLException(unusable + ": drop it or set outbox.replication.slot-name to another name");
			}
			String lost = this.catalog.lostSlotReason(ordinary, slot, this.settings.store());
			if (lost != null) {
				throw new LostSlotException(lost);
			}
			if (slot != null && slot.isLost()) {
				logger.warn(
						"Replication slot '{}' was invalidated (wal_status=lost): the server removed WAL it still "
								+ "needed; recreating it and delivering the rows still in the outbox table",
						this.slotName);
				this.catalog.drop(ordinary);
				slot = null;
			}
			if (slot != null && this.settings.store().failover() && !slot.failover()) {
				alterToFailover();
			}
			boolean backfillPending = slot != null && this.catalog.isBackfillPending(ordinary);
			if (backfillPending && this.backlog.get() == null && this.settings.store().store() == MessageStore.WAL) {
				// the WAL store's start created the slot without a snapshot, or a read
				// of the table was cut short; dropping the slot would lose its messages,
				// so the table is read as it is now, at the cost of reading again rows
				// that the slot streams too
				logger.info("Reading the rows in the outbox table for slot '{}'", this.slotName);
				Lsn from = this.catalog.savedPosition(ordinary).max(slot.confirmedFlush());
				this.tracker.confirmedAtLeast(from);
				return readBacklog(null, from);
			}
			if (backfillPending && this.settings.store().store() == MessageStore.TABLE) {
				// the table store can afford to: the table holds every message the slot
				// does
				logger.warn(
						"The backlog read of slot '{}' did not finish last time; recreating the slot to read it again",
						this.slotName);
				this.catalog.drop(ordinary);
				slot = null;
			}
			if (slot != null) {
				// before PostgreSQL 17 a clean shutdown of the server can move the slot's
				// position back to its last checkpoint; the relay's own record is then
				// later,
				// and the server skips what committed before the position it is given
				Lsn saved = this.catalog.savedPosition(ordinary);
				this.tracker.confirmedAtLeast(saved.max(slot.confirmedFlush()));
				// after a reconnect, skip what was already handed out; zero lets the
				// server choose
				return this.tracker.lastClosedEnd().max(saved);
			}
			this.catalog.markBackfill(ordinary, true);
		}
		CreatedSlot created = createSlot();
		logger.info("Created {}replication slot '{}' at {}; reading the outbox rows written before it",
				this.settings.store().failover() ? "failover " : "", this.slotName, created.point().asString());
		return readBacklog(created.snapshot(), created.point());
	}

	/**
	 * Hands out the outbox table's rows as one transaction that ends at {@code point}, so
	 * that the slot's position passes it only once every row is done.
	 */
	private Lsn readBacklog(String snapshot, Lsn point) throws SQLException, InterruptedException {
		AckTracker.Transaction rows = this.tracker.open();
		long count = this.backfill.read(snapshot, point, (routed) -> {
			if (this.stop.isRequested()) {
				throw new InterruptedException("stopping during the backlog read");
			}
			rows.expect();
			offer(new Envelope(routed.message(), row(routed.message(), rows), routed.handlers()), null);
		});
		this.tracker.close(rows, point);
		this.backlog.set(rows);
		logger.info("Handed out {} outbox rows of the table to slot '{}'", count, this.slotName);
		return point;
	}

	private record CreatedSlot(Lsn point, String snapshot) {
	}

	/**
	 * Creates the slot and exports a snapshot of its starting point. pgjdbc's builder has
	 * no failover option, so a failover slot is created with the replication command
	 * itself (PostgreSQL 17 and later).
	 */
	private CreatedSlot createSlot() throws SQLException {
		if (!this.settings.store().failover()) {
			ReplicationSlotInfo created = this.connection.getReplicationAPI()
				.createReplicationSlot()
				.logical()
				.withSlotName(this.slotName)
				.withOutputPlugin("pgoutput")
				.make();
			return new CreatedSlot(Lsn.valueOf(created.getConsistentPoint().asLong()), created.getSnapshotName());
		}
		// the slot's name is a checked identifier, quoted
		try (Statement statement = ((Connection) this.connection).createStatement();
				ResultSet rs = statement.executeQuery("CREATE_REPLICATION_SLOT " + this.settings.slot().quoted()
						+ " LOGICAL pgoutput (SNAPSHOT 'export', FAILOVER true)")) {
			if (!rs.next()) {
				throw new SQLException("The server did not report the new slot '" + this.slotName + "'");
			}
			return new CreatedSlot(Lsn.valueOf(rs.getString("consistent_point")), rs.getString("snapshot_name"));
		}
	}

	/** Makes an existing slot a failover slot (PostgreSQL 17 and later). */
	private void alterToFailover() throws SQLException {
		try (Statement statement = ((Connection) this.connection).createStatement()) {
			statement.execute("ALTER_REPLICATION_SLOT " + this.settings.slot().quoted() + " (FAILOVER true)");
		}
		logger.info("Replication slot '{}' is now a failover slot", this.slotName);
	}

	/**
	 * A row of the table store: once done, it is deleted from the table.
	 */
	private Envelope.Completion row(OutboxMessage message, AckTracker.Transaction transaction) {
		return () -> {
			this.cleaner.add(message.id());
			transaction.done();
		};
	}

	private int serverMajorVersion() throws SQLException {
		return ((Connection) this.connection).getMetaData().getDatabaseMajorVersion();
	}

	private void stream(PGReplicationStream stream) throws SQLException, InterruptedException {
		AckTracker.Transaction transaction = null;
		Begin begin = null;
		// once caught up with a busy server, the reader naps: the server's next messages
		// pile up in the socket meanwhile and are read in one go, instead of each waking
		// the reader (and the server's send waking it) on its own, which cost the reader
		// and the walsender about twice the CPU per message
		long napNanos = this.settings.catchUpNap().toNanos();
		// messages read since the reader last waited for the server
		int sinceWait = NAP_WORTH;
		while (!this.stop.isRequested() || (transaction != null && !this.stop.pastDeadline())) {
			checkLock();
			long before = System.nanoTime();
			ByteBuffer buffer = stream.readPending();
			if (System.nanoTime() - before > WAITED_NANOS) {
				// caught up with the server: after a burst, nap so that the next one
				// piles
				// up in the socket
				if (sinceWait >= NAP_WORTH && napNanos > 0) {
					LockSupport.parkNanos(napNanos);
				}
				sinceWait = 0;
			}
			if (buffer == null) {
				if (transaction == null) {
					this.tracker.idleAt(Lsn.valueOf(stream.getLastReceiveLSN().asLong()));
				}
				feedback(stream, false);
				continue;
			}
			sinceWait++;
			PgOutputMessage message = this.decoder.decode(buffer);
			if (message instanceof Insert insert) {
				if (transaction == null) {
					throw new SQLException("pgoutput sent an Insert outside a transaction");
				}
				Routed routed = this.mapper.map(insert, begin.commitTime(), begin.finalLsn());
				if (routed != null) {
					transaction.expect();
					offer(new Envelope(routed.message(), row(routed.message(), transaction), routed.handlers()),
							stream);
				}
			}
			else if (message instanceof LogicalMessage logical) {
				// a message emitted outside a transaction is not the outbox's: the mapper
				// skips it
				Routed routed = (transaction != null) ? this.mapper.map(logical, begin.commitTime(), begin.finalLsn())
						: null;
				if (routed != null) {
					transaction.expect();
					offer(new Envelope(routed.message(), transaction, routed.handlers()), stream);
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
				this.mapper.learn(relation);
			}
		}
		if (transaction != null) {
			// the stop timeout ran out inside a transaction: the next consumer reads it
			// whole
			this.tracker.abandonOpen();
		}
	}

	/**
	 * Stops streaming once the slot's lock is lost (its session died): another instance
	 * may take over, and two must not deliver from one slot. Checked about every second:
	 * {@code readPending()} reports a connection the server closed (a restart) only as an
	 * empty socket, so this round trip on the lock's own connection is what notices it.
	 */
	private void checkLock() throws SQLException {
		long now = System.nanoTime();
		if (now - this.lockCheckedAt >= Math.min(this.settings.statusInterval().toNanos(), LOCK_CHECK_INTERVAL)) {
			this.lockCheckedAt = now;
			if (!this.lock.isHeld()) {
				throw new SQLException("Lost the session holding the lock of slot '" + this.slotName + "'");
			}
		}
	}

	private void finish(PGReplicationStream stream) throws SQLException, InterruptedException {
		this.states.accept(RelayState.STOPPING);
		while (!this.dispatcher.awaitDrained(OFFER_WAIT) && !this.stop.pastDeadline()) {
			feedback(stream, false);
		}
		completeBackfill();
		feedback(stream, true);
		savePosition();
		logger.info("Outbox relay confirmed position {} on slot '{}' before closing", this.lastSent.asString(),
				this.slotName);
	}

	private void offer(Envelope envelope, PGReplicationStream stream) throws SQLException, InterruptedException {
		while (!this.dispatcher.offer(envelope, OFFER_WAIT)) {
			if (this.stop.pastDeadline()) {
				throw new InterruptedException("stop timeout reached while the delivery buffer was full");
			}
			if (stream != null) {
				// not reading while the buffer is full: keep the server from timing us
				// out
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
		long status = this.settings.statusInterval().toNanos();
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
		if (System.nanoTime() - this.lastSavedAt >= this.settings.statusInterval().toNanos()) {
			savePosition();
		}
	}

	/**
	 * Records the confirmed position in the slots table, where a server before PostgreSQL
	 * 17 does not lose it at a clean shutdown. A failure only costs duplicates after such
	 * a shutdown, so it is logged, not thrown.
	 */
	private void savePosition() {
		this.lastSavedAt = System.nanoTime();
		Lsn confirmed = this.tracker.confirmed();
		if (confirmed.equals(this.lastSaved) || confirmed.equals(Lsn.ZERO)) {
			return;
		}
		try (Connection ordinary = this.dataSource.getConnection()) {
			this.catalog.savePosition(ordinary, confirmed);
			this.lastSaved = confirmed;
		}
		catch (SQLException ex) {
			logger.warn("Could not record the confirmed position of slot '{}' ({}); a server restart before "
					+ "PostgreSQL 17 may deliver messages again", this.slotName, ex.getMessage());
		}
	}

	private void completeBackfill() throws SQLException {
		AckTracker.Transaction rows = this.backlog.get();
		if (rows != null && rows.isComplete()) {
			try (Connection ordinary = this.dataSource.getConnection()) {
				this.catalog.markBackfill(ordinary, false);
			}
			this.backlog.compareAndSet(rows, null);
			logger.info("Backlog of slot '{}' delivered", this.slotName);
		}
	}

}
