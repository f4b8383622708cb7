package dev.pgoutbox.failover;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.pgoutbox.Lsn;
import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.PostgresPair;
import dev.pgoutbox.testsupport.Probes;
import dev.pgoutbox.testsupport.RecordingPublisher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real primary failover under load: writers publish continuously through the
 * application while the primary is killed and its synchronous standby promoted; the
 * application follows the multi-host URL to the new primary on its own.
 * <p>
 * With a failover slot the promoted standby's synced copy carries on: every committed
 * message arrives, and only those committed after the copy's last synced position can
 * come twice. Without one, the table store recreates the slot and reads the outbox table
 * again (duplicates are the rows not yet cleaned up), and the WAL store refuses to
 * replace a slot that held the only copy of its messages, and to publish while no slot
 * keeps what it writes.
 */
class PrimaryFailoverIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(90);

	private static final String SLOT = "outbox_primary_failover";

	private static final int WRITERS = 4;

	/** Commits before the kill, and on the new primary before the writers stop. */
	private static final int COMMITS_PER_PHASE = 200;

	@Test
	void tableStoreWithAFailoverSlotDeliversEveryCommittedMessage() {
		long started = System.nanoTime();
		try (PostgresPair pair = PostgresPair.start()) {
			RecordingPublisher publisher = new RecordingPublisher();
			runner(pair, "table", true, publisher).run((context) -> {
				Failover failover = failOverUnderLoad(pair, context, true, publisher);
				try {
					assertDeliveredAfterFailover(context, failover, publisher, failover::resendable);
				}
				finally {
					failover.stopWriters();
				}
			});
		}
		report("table store, failover slot", started);
	}

	@Test
	void walStoreWithAFailoverSlotDeliversEveryCommittedMessage() {
		long started = System.nanoTime();
		try (PostgresPair pair = PostgresPair.start()) {
			RecordingPublisher publisher = new RecordingPublisher();
			runner(pair, "wal", true, publisher).run((context) -> {
				Failover failover = failOverUnderLoad(pair, context, true, publisher);
				try {
					assertDeliveredAfterFailover(context, failover, publisher, failover::resendable);
				}
				finally {
					failover.stopWriters();
				}
			});
		}
		report("WAL store, failover slot", started);
	}

	@Test
	void tableStoreWithoutAFailoverSlotRecreatesItAndReadsTheTableAgain() {
		long started = System.nanoTime();
		try (PostgresPair pair = PostgresPair.start()) {
			RecordingPublisher publisher = new RecordingPublisher();
			runner(pair, "table", false, publisher).run((context) -> {
				Failover failover = failOverUnderLoad(pair, context, false, publisher);
				try {
					// the new slot starts after the promotion: what it cannot give comes
					// from the table, which held at the kill every row not yet cleaned up
					assertDeliveredAfterFailover(context, failover, publisher, (received) -> failover.tableAtKill());
					assertThat(slotRow(pair.standbyJdbcUrl())).containsEntry("failover", "f");
				}
				finally {
					failover.stopWriters();
				}
			});
		}
		report("table store, no failover slot", started);
	}

	@Test
	void walStoreWithoutAFailoverSlotRefusesToReplaceTheLostSlot() {
		long started = System.nanoTime();
		try (PostgresPair pair = PostgresPair.start()) {
			RecordingPublisher publisher = new RecordingPublisher();
			runner(pair, "wal", false, publisher).run((context) -> {
				Failover failover = failOverUnderLoad(pair, context, false, publisher);
				try {
					assertLostSlotRefused(pair, failover, publisher);
				}
				finally {
					failover.stopWriters();
				}
			});
		}
		report("WAL store, no failover slot", started);
	}

	private static void assertLostSlotRefused(PostgresPair pair, Failover failover, RecordingPublisher publisher)
			throws Exception {
		Relay relay = failover.relay();
		Awaitility.await()
			.atMost(WAIT)
			.pollInterval(Duration.ofMillis(50))
			.until(() -> isLostSlotError(relay.lastError()));
		// and again at the next attempt: the refusal holds, it was no passing state
		long attempts = relay.statistics().reconnects();
		Awaitility.await()
			.atMost(WAIT)
			.pollInterval(Duration.ofMillis(50))
			.until(() -> relay.statistics().reconnects() > attempts);
		assertThat(isLostSlotError(relay.lastError())).as("%s", relay.lastError()).isTrue();
		assertThat(relay.state()).isEqualTo(RelayState.RECONNECTING);
		assertThat(slotRow(pair.standbyJdbcUrl())).isEmpty();
		failover.stopWriters();
		Set<UUID> undelivered = new HashSet<>(failover.committedIds());
		undelivered.removeAll(publisher.deliveredIds());
		System.out.printf(
				"WAL store, no failover slot: %d committed (%d on the new primary), %d of them not delivered, "
						+ "%d publishes failed%n",
				failover.committedIds().size(), failover.committedAfterPromotion(), undelivered.size(),
				failover.failedPublishes());
		// nor does the application go on writing messages no slot keeps
		assertThat(failover.failedPublishes()).isPositive();
		assertThat(failover.committedAfterPromotion()).as("publishes the slotless new primary took").isZero();
	}

	private static ApplicationContextRunner runner(PostgresPair pair, String store, boolean failover,
			RecordingPublisher publisher) {
		// the replication connection takes the same URL: both follow the primary
		return OutboxContexts.runner(pair.multiHostJdbcUrl(), "postgres", null, SLOT)
			.withPropertyValues("outbox.store=" + store, "outbox.replication.failover=" + failover)
			.withBean(MessagePublisher.class, () -> publisher);
	}

	/**
	 * Starts the writers, kills the primary once they have committed a while (and, with a
	 * failover slot, once the standby holds a usable copy of it), promotes the standby
	 * and returns with the writers going on against it.
	 */
	private static Failover failOverUnderLoad(PostgresPair pair, ApplicationContext context, boolean failoverSlot,
			RecordingPublisher publisher) throws Exception {
		Relay relay = Probes.awaitState(context, RelayState.RUNNING, WAIT);
		String primary = pair.primaryJdbcUrl();
		String standby = pair.standbyJdbcUrl();
		Writers writers = new Writers(context);
		try {
			if (failoverSlot) {
				Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
					// a running-xacts record lets the slot's catalog xmin move past the
					// standby's, and the woken sync worker copies it at once
					PostgresPair.execute(primary, "SELECT pg_log_standby_snapshot()");
					pair.wakeSlotSync();
					Map<String, String> copy = slotRow(standby);
					return "t".equals(copy.get("synced")) && "f".equals(copy.get("temporary"))
							&& copy.get("confirmed_flush_lsn") != null;
				});
			}
			int before = writers.committed();
			Awaitility.await()
				.atMost(WAIT)
				.pollInterval(Duration.ofMillis(20))
				.until(() -> writers.committed() >= before + COMMITS_PER_PHASE && publisher.count() > 0);

			pair.killPrimary();
			// the standby replays what it received, then no longer changes until
			// promoted: what it holds then is what the new primary starts with
			Awaitility.await()
				.atMost(WAIT)
				.pollInterval(Duration.ofMillis(20))
				.until(() -> "t".equals(PostgresPair.queryForString(standby,
						"SELECT pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn()")));
			Lsn replayed = Lsn.valueOf(PostgresPair.queryForString(standby, "SELECT pg_last_wal_replay_lsn()::text"));
			Map<String, String> copy = slotRow(standby);
			Lsn synced = (copy.get("confirmed_flush_lsn") != null) ? Lsn.valueOf(copy.get("confirmed_flush_lsn"))
					: null;
			Set<UUID> tableAtKill = tableIds(standby, context);
			int committedAtKill = writers.committed();
			pair.promoteStandby();
			writers.promoted();

			return new Failover(relay, writers, replayed, synced, tableAtKill, committedAtKill);
		}
		catch (Exception | Error ex) {
			writers.stop();
			throw ex;
		}
	}

	/**
	 * Once the writers have committed a while on the new primary and stopped: every
	 * committed message arrives, each key's first deliveries in write order, and only
	 * messages that could come again (as told from what was received) come more than
	 * once.
	 */
	private static void assertDeliveredAfterFailover(ApplicationContext context, Failover failover,
			RecordingPublisher publisher, Function<List<OutboxMessage>, Set<UUID>> repeatable) throws Exception {
		Awaitility.await()
			.atMost(WAIT)
			.pollInterval(Duration.ofMillis(20))
			.until(() -> failover.committedAfterPromotion() >= COMMITS_PER_PHASE);
		failover.stopWriters();
		Set<UUID> committed = failover.committedIds();
		Awaitility.await()
			.atMost(WAIT)
			.pollInterval(Duration.ofMillis(50))
			.until(() -> publisher.deliveredIds().containsAll(committed));
		Probes.awaitState(context, RelayState.RUNNING, WAIT);
		List<OutboxMessage> received = publisher.received();
		Probes.firstDeliveriesByKey(received)
			.forEach((key, payloads) -> assertThat(payloads.stream().map(Probes::numberIn).toList())
				.as("first deliveries of %s", key)
				.isSorted());
		Map<UUID, Integer> deliveries = new HashMap<>();
		received.forEach((message) -> deliveries.merge(message.id(), 1, Integer::sum));
		Set<UUID> repeated = new HashSet<>();
		deliveries.forEach((id, count) -> {
			if (count > 1) {
				repeated.add(id);
			}
		});
		int extra = received.size() - deliveries.size();
		Set<UUID> couldRepeat = repeatable.apply(received);
		System.out.printf(
				"%s store, failover slot %s: %d committed (%d before the kill, %d on the new primary), "
						+ "%d delivered, %d publishes failed; %d ids delivered more than once (%d extra deliveries), "
						+ "at most %d could be (synced position %s, standby replayed %s at the kill)%n",
				isWalStore(context) ? "WAL" : "table", (failover.synced() != null) ? "on" : "off", committed.size(),
				failover.committedAtKill(), failover.committedAfterPromotion(), deliveries.size(),
				failover.failedPublishes(), repeated.size(), extra, couldRepeat.size(),
				(failover.synced() != null) ? failover.synced().asString() : "-", failover.replayed().asString());
		assertThat(couldRepeat).as("what could come twice").containsAll(repeated);
		assertThat(extra).isLessThanOrEqualTo(couldRepeat.size());
	}

	private static boolean isLostSlotError(Throwable error) {
		return error != null && String.valueOf(error.getMessage()).contains("recreate-lost-slot");
	}

	private static boolean isWalStore(ApplicationContext context) {
		return "wal".equals(context.getEnvironment().getProperty("outbox.store"));
	}

	/** The ids in the server's outbox table, none in the WAL store. */
	private static Set<UUID> tableIds(String url, ApplicationContext context) {
		Set<UUID> ids = new HashSet<>();
		if (isWalStore(context)) {
			return ids;
		}
		String all = PostgresPair.queryForString(url, "SELECT coalesce(string_agg(id::text, ','), '') FROM outbox");
		for (String id : all.split(",")) {
			if (!id.isEmpty()) {
				ids.add(UUID.fromString(id));
			}
		}
		return ids;
	}

	private static Map<String, String> slotRow(String url) {
		return PostgresPair.queryForRow(url,
				"SELECT synced, temporary, failover, confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '"
						+ SLOT + "'");
	}

	private static void report(String scenario, long startedNanos) {
		System.out.printf("%s: %d ms%n", scenario, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
	}

	/**
	 * What the failover left to judge by.
	 *
	 * @param relay the application's relay
	 * @param writers the writers, still writing
	 * @param replayed how far the standby had replayed when the primary died: every
	 * message of the old primary's delivered to the relay is before it
	 * @param synced the synced copy's confirmed position at the kill, {@code null}
	 * without a failover slot
	 * @param tableAtKill the ids in the outbox table at the kill
	 * @param committedAtKill how many publishes had returned at the kill
	 */
	private record Failover(Relay relay, Writers writers, Lsn replayed, Lsn synced, Set<UUID> tableAtKill,
			int committedAtKill) {

		Set<UUID> committedIds() {
			return this.writers.committedIds();
		}

		int committedAfterPromotion() {
			return this.writers.committedAfterPromotion();
		}

		int failedPublishes() {
			return this.writers.failed.get();
		}

		void stopWriters() throws Exception {
			this.writers.stop();
		}

		/**
		 * The ids a promoted failover slot can send again: those of the old primary's
		 * transactions (before {@link #replayed}, where the new primary's WAL begins)
		 * that commit at or after the copy's last synced position. The server sends a
		 * transaction again if its commit record starts at or after the position it is
		 * asked for, which is never before the copy's confirmed one; a message's LSN is
		 * its transaction's commit record.
		 */
		Set<UUID> resendable(List<OutboxMessage> received) {
			Set<UUID> ids = new HashSet<>();
			for (OutboxMessage message : received) {
				if (message.lsn().compareTo(this.synced) >= 0 && message.lsn().compareTo(this.replayed) < 0) {
					ids.add(message.id());
				}
			}
			return ids;
		}

	}

	/**
	 * Writer threads, one key each, each publish numbered and in a transaction of its
	 * own. A publish that returned is committed, and, the standby being synchronous, on
	 * the standby; one that threw is not counted, whether or not it committed.
	 */
	private static final class Writers {

		private final ExecutorService executor = Executors.newFixedThreadPool(WRITERS, (task) -> {
			Thread thread = new Thread(task, "failover-writer");
			thread.setDaemon(true);
			return thread;
		});

		private final List<Future<?>> running = new ArrayList<>();

		private final AtomicBoolean stopping = new AtomicBoolean();

		private final AtomicBoolean promoted = new AtomicBoolean();

		private final ConcurrentLinkedQueue<UUID> written = new ConcurrentLinkedQueue<>();

		private final AtomicInteger committed = new AtomicInteger();

		private final AtomicInteger committedAfterPromotion = new AtomicInteger();

		private final AtomicInteger failed = new AtomicInteger();

		Writers(ApplicationContext context) {
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			TransactionTemplate transaction = new TransactionTemplate(
					context.getBean(PlatformTransactionManager.class));
			for (int w = 0; w < WRITERS; w++) {
				String key = "writer-" + w;
				this.running.add(this.executor.submit(() -> write(outbox, transaction, key)));
			}
		}

		private void write(OutboxPublisher outbox, TransactionTemplate transaction, String key) {
			for (int n = 0; !this.stopping.get(); n++) {
				int number = n;
				boolean after = this.promoted.get();
				try {
					UUID id = transaction.execute((status) -> outbox.publish("N", key, Map.of("n", number)));
					this.written.add(id);
					this.committed.incrementAndGet();
					if (after) {
						this.committedAfterPromotion.incrementAndGet();
					}
				}
				catch (RuntimeException ex) {
					// the primary died under it, or no primary could be reached yet
					this.failed.incrementAndGet();
				}
			}
		}

		int committed() {
			return this.committed.get();
		}

		int committedAfterPromotion() {
			return this.committedAfterPromotion.get();
		}

		/**
		 * From now on, a publish that starts and returns committed on the new primary.
		 */
		void promoted() {
			this.promoted.set(true);
		}

		Set<UUID> committedIds() {
			return new HashSet<>(this.written);
		}

		void stop() throws Exception {
			this.stopping.set(true);
			try {
				for (Future<?> writer : this.running) {
					// a publish waits at most the pool's connection timeout
					writer.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
				}
			}
			finally {
				this.executor.shutdownNow();
			}
		}

	}

}
