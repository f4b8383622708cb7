package dev.pgoutbox.replication;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.pgoutbox.DeliveryListener;
import dev.pgoutbox.JsonCodec;
import dev.pgoutbox.Lsn;
import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.deadletter.DeadLetterWriter;
import dev.pgoutbox.delivery.Dispatcher;
import dev.pgoutbox.relay.Failures;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.relay.RelayStatistics;
import dev.pgoutbox.schema.AutoCommitDataSource;
import dev.pgoutbox.schema.OutboxPartition;

/**
 * Relays committed outbox rows from a logical replication slot to a
 * {@link MessagePublisher}: the engine behind the starter, usable without Spring.
 *
 * <p>
 * {@link #start()} returns at once; a thread of its own connects, creates the slot if
 * needed, streams, and reconnects with backoff after failures. {@link #stop(Duration)}
 * takes no new messages, lets those in flight finish up to the timeout, confirms the
 * final position and closes the connection. A relay runs once. Thread-safe.
 */
public final class OutboxRelay implements Relay {

	private static final Logger logger = LoggerFactory.getLogger(OutboxRelay.class);

	private final RelaySettings settings;

	private final ReplicationConnector connector;

	private final AckTracker tracker = new AckTracker(Lsn.ZERO);

	private final DeliveredRowCleaner cleaner;

	private final DeadLetterWriter deadLetters;

	private final MessagePublisher publisher;

	private final StopRequest stop = new StopRequest();

	/**
	 * What each replication session is given besides the dispatcher, its connection and
	 * lock.
	 */
	private final SessionContext sessions;

	private volatile Dispatcher dispatcher;

	private volatile RelayState state = RelayState.NEW;

	private volatile Throwable lastError;

	private final AtomicLong reconnects = new AtomicLong();

	private final RelayDeliveries deliveries;

	private Thread thread;

	private ScheduledExecutorService cleanup;

	/**
	 * Creates a relay.
	 * @param settings what to read and how, not {@code null}
	 * @param connector opens replication connections, not {@code null}
	 * @param dataSource ordinary connections to the same database, not {@code null}
	 * @param publisher the application's publisher, not {@code null}
	 * @param listener hears each delivery outcome, may be {@code null}
	 * @param json reads and writes the headers columns, not {@code null}
	 */
	public OutboxRelay(RelaySettings settings, ReplicationConnector connector, DataSource dataSource,
			MessagePublisher publisher, DeliveryListener listener, JsonCodec json) {
		if (settings == null || connector == null || dataSource == null || publisher == null || json == null) {
			throw new IllegalArgumentException(
					"'settings', 'connector', 'dataSource', 'publisher' and 'json' must not be null");
		}
		this.settings = settings;
		this.connector = connector;
		this.publisher = publisher;
		OutboxRowMapper mapper = new OutboxRowMapper(settings.table(), settings.partition(), json,
				settings.store().walPrefix());
		SlotCatalog catalog = new SlotCatalog(settings.table(), settings.slot());
		// the engine's writes commit on their own, whatever the pool's auto-commit
		// default
		dataSource = AutoCommitDataSource.of(dataSource);
		SnapshotBackfill backfill = new SnapshotBackfill(dataSource, settings.table(),
				(settings.partition() != null) ? OutboxPartition.checkKey(settings.partition(), "partition") : null,
				mapper);
		this.cleaner = new DeliveredRowCleaner(dataSource, settings.table(), settings.cleanupBatchSize());
		this.sessions = new SessionContext(settings, dataSource, catalog, backfill, mapper, this.tracker, this.cleaner,
				new AtomicReference<>(), this.stop, (entered) -> this.state = entered);
		this.deadLetters = new DeadLetterWriter(dataSource, settings.table(), json);
		this.deliveries = new RelayDeliveries(listener);
	}

	@Override
	public synchronized void start() {
		if (this.state != RelayState.NEW) {
			throw new IllegalStateException("The outbox relay was already started");
		}
		String prefix = "outbox-" + this.settings.slot().name() + "-";
		this.dispatcher = new Dispatcher(this.publisher, this.settings.concurrency(), this.settings.bufferCapacity(),
				this.settings.delivery(), this.deadLetters::park, this.deliveries, prefix);
		this.cleanup = Executors.newSingleThreadScheduledExecutor((task) -> daemon(task, prefix + "cleanup"));
		long interval = this.settings.cleanupInterval().toMillis();
		this.cleanup.scheduleWithFixedDelay(this.cleaner::deleteDelivered, interval, interval, TimeUnit.MILLISECONDS);
		this.state = RelayState.STARTING;
		this.thread = daemon(this::run, prefix + "relay");
		this.thread.start();
	}

	@Override
	public void stop(Duration timeout) {
		Thread running;
		synchronized (this) {
			running = this.thread;
			if (running == null) {
				this.state = RelayState.STOPPED;
				return;
			}
		}
		this.stop.request(timeout);
		try {
			running.join(timeout.plusSeconds(10).toMillis());
			if (running.isAlive()) {
				running.interrupt();
				running.join(TimeUnit.SECONDS.toMillis(5));
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public RelayState state() {
		return this.state;
	}

	@Override
	public Lsn confirmed() {
		return this.tracker.confirmed();
	}

	@Override
	public int held() {
		Dispatcher current = this.dispatcher;
		return (current != null) ? current.held() : 0;
	}

	@Override
	public int inFlight() {
		Dispatcher current = this.dispatcher;
		return (current != null) ? current.inFlight() : 0;
	}

	@Override
	public RelayStatistics statistics() {
		return this.deliveries.statistics(this.reconnects.get());
	}

	@Override
	public void setPaused(boolean paused) {
		Dispatcher current = this.dispatcher;
		if (current == null) {
			throw new IllegalStateException("The outbox relay is not started");
		}
		current.setPaused(paused);
		logger.info("Outbox relay on slot '{}' {}", slotName(), paused ? "paused" : "resumed");
	}

	@Override
	public boolean isPaused() {
		Dispatcher current = this.dispatcher;
		return current != null && current.isPaused();
	}

	@Override
	public Throwable lastError() {
		return this.lastError;
	}

	@Override
	public String slotName() {
		return this.settings.slot().name();
	}

	private void run() {
		int failures = 0;
		boolean standingBy = false;
		while (!this.stop.isRequested()) {
			try {
				SlotLock lock = SlotLock.tryAcquire(this.connector.openOrdinary(), this.settings.slot());
				if (lock == null) {
					standingBy = standBy(standingBy);
					failures = 0;
					continue;
				}
				try (lock) {
					if (standingBy) {
						logger.info("Outbox relay taking over slot '{}'", slotName());
						standingBy = false;
					}
					PGConnection connection = this.connector.open();
					try {
						new ReplicationSession(this.sessions, this.dispatcher, connection, lock).run();
						failures = 0;
					}
					finally {
						closeQuietly(connection);
					}
				}
			}
			catch (InterruptedException ex) {
				break;
			}
			catch (Exception ex) {
				if (this.stop.isRequested()) {
					break;
				}
				this.tracker.abandonOpen();
				if (isSlotInUse(ex)) {
					// the lock was free but a walsender still holds the slot: its owner
					// just died
					// or runs without the lock; wait like any standby
					standingBy = standBy(standingBy);
					continue;
				}
				failures++;
				this.reconnects.incrementAndGet();
				this.lastError = ex;
				this.state = RelayState.RECONNECTING;
				Duration delay = this.settings.reconnect().delay(failures);
				if (ex instanceof LostSlotException) {
					logger.error("Outbox relay on slot '{}' stopped: {}; checking again in {} ms", slotName(),
							ex.getMessage(), delay.toMillis());
				}
				else {
					logger.warn("Outbox relay on slot '{}' failed ({}); reconnecting in {} ms", slotName(),
							Failures.describe(ex), delay.toMillis());
				}
				this.stop.await(delay);
			}
		}
		shutDown();
	}

	/**
	 * Waits as a standby, logging only the change into standby.
	 * @return {@code true}, the new standing-by flag
	 */
	private boolean standBy(boolean alreadyStandingBy) {
		if (!alreadyStandingBy) {
			logger.info("Slot '{}' is served by another instance; standing by", slotName());
		}
		this.state = RelayState.STANDBY;
		this.stop.await(standbyRetry());
		return true;
	}

	private Duration standbyRetry() {
		Duration cap = Duration.ofSeconds(5);
		Duration max = this.settings.reconnect().max();
		return (max.compareTo(cap) < 0) ? max : cap;
	}

	private static boolean isSlotInUse(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof java.sql.SQLException sql && "55006".equals(sql.getSQLState())) {
				return true;
			}
		}
		return false;
	}

	private void shutDown() {
		this.state = RelayState.STOPPING;
		try {
			this.dispatcher.awaitDrained(this.stop.untilDeadline());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.dispatcher.close();
		// a last cleanup, bounded: with the database gone it would wait for the pool's
		// timeout;
		// rows left behind only matter if the slot is ever recreated, and then cost
		// duplicates
		Future<?> lastCleanup = this.cleanup.submit(this.cleaner::deleteDelivered);
		try {
			lastCleanup.get(5, TimeUnit.SECONDS);
		}
		catch (TimeoutException | ExecutionException ex) {
			logger.warn("Outbox relay on slot '{}' stopped before deleting every delivered row", slotName());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.cleanup.shutdownNow();
		this.state = RelayState.STOPPED;
		logger.info("Outbox relay on slot '{}' stopped; confirmed position {}", slotName(), confirmed().asString());
	}

	private static void closeQuietly(PGConnection connection) {
		try {
			((java.sql.Connection) connection).close();
		}
		catch (Exception ex) {
			logger.debug("Closing the replication connection failed", ex);
		}
	}

	private static Thread daemon(Runnable task, String name) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		return thread;
	}

}
