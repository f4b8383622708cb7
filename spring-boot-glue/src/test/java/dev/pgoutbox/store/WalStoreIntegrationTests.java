package dev.pgoutbox.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.pgoutbox.DeadLetters;
import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboundMessage;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.autoconfigure.OutboxRelayLifecycle;
import dev.pgoutbox.autoconfigure.health.OutboxHealthContributorAutoConfiguration;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.BootLine;
import dev.pgoutbox.testsupport.Committed;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.Probes;
import dev.pgoutbox.testsupport.RecordingPublisher;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WAL store ({@code outbox.store=wal}) end to end: messages emitted with
 * {@code pg_logical_emit_message} in the caller's transaction, never a row of the outbox
 * table, delivered with the table store's guarantees; switching stores loses nothing; a
 * lost slot is refused, never replaced silently.
 */
class WalStoreIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	/** Text without digits, so that a payload's number is still its only digits. */
	private static final String NOTE = "the quick brown fox jumps over the lazy dog, ".repeat(10);

	private static ApplicationContextRunner wal(OutboxContexts.Target target) {
		return OutboxContexts.runner(target).withPropertyValues("outbox.store=wal");
	}

	@Test
	void deliversCommittedMessagesInOrderAndNeverARolledBackOneAndWritesNoRow() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		wal(target).withBean(MessagePublisher.class, () -> publisher).run((context) -> {
			Probes.awaitState(context, RelayState.RUNNING, WAIT);
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			TransactionTemplate transaction = new TransactionTemplate(
					context.getBean(PlatformTransactionManager.class));
			UUID rolledBack = transaction.execute((status) -> {
				UUID id = outbox.publish("OrderPlaced", "order-1", Map.of("total", 10));
				status.setRollbackOnly();
				return id;
			});
			UUID committed = transaction.execute((status) -> outbox.publish("OrderPlaced", "order-1",
					Map.of("total", 20), Map.of("trace", "abc", "ünïcode", "✓")));
			List<UUID> ids = new ArrayList<>(List.of(committed));
			// without a transaction, and a batch of 250 in one (more than one statement's
			// chunk)
			ids.add(outbox.publish("OrderPlaced", "order-1", Map.of("total", 30)));
			List<OutboundMessage> batch = new ArrayList<>();
			for (int i = 0; i < 250; i++) {
				batch.add(OutboundMessage.of("N", "key-" + (i % 3), Map.of("n", i)));
			}
			ids.addAll(transaction.execute((status) -> outbox.publishAll(batch)));

			publisher.awaitCount(ids.size(), WAIT);
			List<OutboxMessage> received = publisher.received();
			assertThat(received).extracting(OutboxMessage::id).containsExactlyInAnyOrderElementsOf(ids);
			assertThat(received).extracting(OutboxMessage::id).doesNotContain(rolledBack);
			OutboxMessage first = received.get(0);
			assertThat(first.id()).isEqualTo(committed);
			assertThat(first.type()).isEqualTo("OrderPlaced");
			assertThat(first.payload()).isEqualTo("{\"total\":20}");
			assertThat(first.headers()).containsOnly(Map.entry("trace", "abc"), Map.entry("ünïcode", "✓"));
			assertThat(first.partition()).isEqualTo("default");
			assertEveryKeyInNumberOrder(publisher);
			DataSource dataSource = context.getBean(DataSource.class);
			assertThat(TestPostgres.queryForString(dataSource, "SELECT count(*) FROM outbox")).isEqualTo("0");
			// the slot moves past what is delivered
			Awaitility.await()
				.atMost(WAIT)
				.until(() -> Probes.slotConfirmed(dataSource, target.slot())
					.compareTo(received.get(received.size() - 1).lsn()) >= 0);
		});
	}

	@Test
	void ignoresLogicalMessagesOfOtherPrefixesAndOtherOutboxes() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		wal(target).withBean(MessagePublisher.class, () -> publisher).run((context) -> {
			Probes.awaitState(context, RelayState.RUNNING, WAIT);
			DataSource dataSource = context.getBean(DataSource.class);
			TestPostgres.update(dataSource, "SELECT pg_logical_emit_message(true, 'someone-else', 'hello')");
			TestPostgres.update(dataSource, "SELECT pg_logical_emit_message(false, 'outbox:public.outbox', 'x')");
			UUID id = context.getBean(OutboxPublisher.class).publish("T", "k", Map.of("n", 1));
			publisher.awaitMessage((message) -> message.id().equals(id), WAIT);
			assertThat(publisher.received()).extracting(OutboxMessage::id).containsExactly(id);
		});
	}

	@Test
	void parksAfterTheLastAttemptAndReplayEmitsTheMessageAgain() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		AtomicBoolean failing = new AtomicBoolean(true);
		publisher.setHook((message) -> {
			if (failing.get() && message.key().equals("bad")) {
				throw new IllegalStateException("broker says no");
			}
		});
		wal(target).withPropertyValues("outbox.delivery.retry.max-attempts=2")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Relay relay = Probes.awaitState(context, RelayState.RUNNING, WAIT);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				UUID bad = outbox.publish("T", "bad", Map.of("n", 1), Map.of("h", "v"));
				UUID good = outbox.publish("T", "good", Map.of("n", 2));
				publisher.awaitMessage((message) -> message.id().equals(good), WAIT);
				Awaitility.await().atMost(WAIT).until(() -> relay.statistics().parked() == 1);
				DeadLetters deadLetters = context.getBean(DeadLetters.class);
				assertThat(deadLetters.list(0, 10)).singleElement().satisfies((parked) -> {
					assertThat(parked.id()).isEqualTo(bad);
					assertThat(parked.headers()).containsExactly(Map.entry("h", "v"));
				});
				failing.set(false);
				assertThat(deadLetters.replay(bad)).isTrue();
				OutboxMessage replayed = publisher.awaitMessage((message) -> message.id().equals(bad), WAIT);
				assertThat(replayed.payload()).isEqualTo("{\"n\":1}");
				assertThat(replayed.headers()).containsExactly(Map.entry("h", "v"));
				assertThat(deadLetters.count()).isZero();
				assertThat(
						TestPostgres.queryForString(context.getBean(DataSource.class), "SELECT count(*) FROM outbox"))
					.isEqualTo("0");
			});
	}

	@Test
	void eachPartitionsSlotDeliversItsOwnMessagesOnly() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		wal(target)
			.withPropertyValues("outbox.partitions=eu,us", "outbox.membership.heartbeat-interval=200ms",
					"outbox.membership.instance-timeout=1s")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				OutboxRelayLifecycle lifecycle = context.getBean(OutboxRelayLifecycle.class);
				Awaitility.await()
					.atMost(WAIT)
					.until(() -> lifecycle.getRelays().size() == 2 && lifecycle.getRelays()
						.values()
						.stream()
						.allMatch((relay) -> relay.state() == RelayState.RUNNING));
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				List<OutboundMessage> messages = new ArrayList<>();
				for (int i = 0; i < 100; i++) {
					messages.add(new OutboundMessage("N", "key-" + (i % 5), Map.of("n", i), Map.of(),
							(i % 2 == 0) ? "eu" : "us"));
				}
				List<UUID> ids = outbox.publishAll(messages);
				publisher.awaitCount(100, WAIT);
				// each message once: every slot receives every message, and keeps its own
				assertThat(publisher.received()).extracting(OutboxMessage::id).containsExactlyInAnyOrderElementsOf(ids);
				assertThat(publisher.received()).allSatisfy((message) -> assertThat(message.partition())
					.isEqualTo((Probes.numberIn(message.payload()) % 2 == 0) ? "eu" : "us"));
			});
	}

	@Test
	void switchingFromTableToWalDeliversTheRowsLeftInTheTableFirstAndBackAgain() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		AtomicBoolean refusing = new AtomicBoolean();
		RecordingPublisher publisher = refusingWhile(refusing);
		List<UUID> ids = new ArrayList<>();
		// table store, broker down: the rows stay in the table and the slot unconfirmed
		refusing.set(true);
		publishAndStop(OutboxContexts.runner(target), publisher, ids, 0);
		refusing.set(false);
		// now the WAL store: the table's rows come first, then the new messages
		publishAndDeliver(wal(target), publisher, ids, 50);
		assertEveryKeyInNumberOrder(publisher);
		// and back to the table store, with WAL messages still unconfirmed in the slot
		refusing.set(true);
		publishAndStop(wal(target), publisher, ids, 100);
		refusing.set(false);
		publishAndDeliver(OutboxContexts.runner(target), publisher, ids, 150);
		assertThat(ids).hasSize(200).doesNotHaveDuplicates();
		assertEveryKeyInNumberOrder(publisher);
	}

	@Test
	void compressionCanBeTurnedOnWithMessagesWaitingAndShrinksTheirWal() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		AtomicBoolean refusing = new AtomicBoolean(true);
		RecordingPublisher publisher = refusingWhile(refusing);
		List<UUID> ids = new ArrayList<>();
		String sizes = target.slot() + "_sizes";
		// compression off, broker down: 50 messages of about 500 bytes wait in the slot
		wal(target)
			.withPropertyValues("outbox.wal.compression=none", "outbox.delivery.retry.max-attempts=0",
					"outbox.shutdown-timeout=1s")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Probes.awaitState(context, RelayState.RUNNING, WAIT);
				// a second slot keeps every message, to read what the WAL carries of each
				TestPostgres.execute(target.database(),
						"SELECT pg_create_logical_replication_slot('" + sizes + "', 'pgoutput')");
				publishNumbered(context.getBean(OutboxPublisher.class), ids, 0, NOTE);
				Awaitility.await().atMost(WAIT).until(() -> publisher.attemptedIds().contains(ids.get(0)));
			});
		refusing.set(false);
		// compression on (the default): the waiting messages first, then the compressed
		publishAndDeliver(wal(target), publisher, ids, 50, NOTE);
		assertThat(ids).hasSize(100).doesNotHaveDuplicates();
		assertEveryKeyInNumberOrder(publisher);
		assertThat(publisher.received()).allSatisfy((message) -> assertThat(message.payload()).contains(NOTE));
		List<Integer> contents = Committed.walMessageSizes(target, sizes, "outbox:public.outbox");
		TestPostgres.execute(target.database(), "SELECT pg_drop_replication_slot('" + sizes + "')");
		assertThat(contents).hasSize(100);
		// about 500 bytes of content a message uncompressed, under a third of that
		// compressed
		assertThat(contents.subList(0, 50)).allSatisfy((size) -> assertThat(size).isGreaterThan(480));
		assertThat(contents.subList(50, 100)).allSatisfy((size) -> assertThat(size).isLessThan(160));
	}

	@Test
	void aReconnectWhileTheTablesRowsAreStillBeingDeliveredKeepsTheSlotAndLosesNoWalMessage() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		AtomicBoolean refusing = new AtomicBoolean();
		RecordingPublisher publisher = refusingWhile(refusing);
		List<UUID> ids = new ArrayList<>();
		// rows of the table store that no slot has read
		OutboxContexts.withoutRelay(OutboxContexts.runner(target))
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> publishNumbered(context.getBean(OutboxPublisher.class), ids, 0));
		refusing.set(true);
		wal(target)
			// a buffer of 60: the 50 rows and 10 WAL messages fill it, and the other 40
			// stay in the slot, unread
			.withPropertyValues("outbox.delivery.buffer-size=60", "outbox.delivery.retry.max-attempts=0",
					"outbox.delivery.retry.initial-delay=20ms", "outbox.delivery.retry.max-delay=50ms")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Relay relay = Probes.awaitState(context, RelayState.RUNNING, WAIT);
				// WAL messages in the slot, unconfirmed while the table's rows wait:
				// the backlog read of the slot is still pending
				publishNumbered(context.getBean(OutboxPublisher.class), ids, 50);
				Awaitility.await().atMost(WAIT).until(() -> publisher.attemptedIds().contains(ids.get(0)));
				Awaitility.await().atMost(WAIT).until(() -> relay.held() == 60);
				DataSource dataSource = context.getBean(DataSource.class);
				assertThat(TestPostgres.queryForString(dataSource,
						"SELECT count(pg_terminate_backend(active_pid)) FROM pg_replication_slots WHERE slot_name = '"
								+ target.slot() + "' AND active_pid IS NOT NULL"))
					.isEqualTo("1");
				Awaitility.await().atMost(WAIT).until(() -> relay.lastError() != null);
				Probes.awaitState(context, RelayState.RUNNING, WAIT);
				// reconnected with the backlog still pending: the slot, and the WAL
				// messages it holds, must still be there
				refusing.set(false);
				Awaitility.await().atMost(WAIT).until(() -> publisher.deliveredIds().containsAll(ids));
			});
		assertThat(ids).hasSize(100).doesNotHaveDuplicates();
		assertEveryKeyInNumberOrder(publisher);
	}

	/**
	 * A publisher that fails every call, as a broker that is down, while
	 * {@code refusing}.
	 */
	private static RecordingPublisher refusingWhile(AtomicBoolean refusing) {
		RecordingPublisher publisher = new RecordingPublisher();
		publisher.setHook((message) -> {
			if (refusing.get()) {
				throw new IllegalStateException("broker down");
			}
		});
		return publisher;
	}

	/**
	 * Publishes 50 numbered messages from {@code from} while the publisher refuses, and
	 * stops once the relay has tried the first: they stay unconfirmed in the slot.
	 */
	private static void publishAndStop(ApplicationContextRunner runner, RecordingPublisher publisher, List<UUID> ids,
			int from) {
		runner.withPropertyValues("outbox.delivery.retry.max-attempts=0", "outbox.shutdown-timeout=1s")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Probes.awaitState(context, RelayState.RUNNING, WAIT);
				publishNumbered(context.getBean(OutboxPublisher.class), ids, from);
				Awaitility.await().atMost(WAIT).until(() -> publisher.attemptedIds().contains(ids.get(from)));
			});
	}

	/**
	 * Publishes 50 numbered messages from {@code from} and waits until all so far are
	 * delivered.
	 */
	private static void publishAndDeliver(ApplicationContextRunner runner, RecordingPublisher publisher, List<UUID> ids,
			int from) {
		publishAndDeliver(runner, publisher, ids, from, null);
	}

	private static void publishAndDeliver(ApplicationContextRunner runner, RecordingPublisher publisher, List<UUID> ids,
			int from, String note) {
		runner.withBean(MessagePublisher.class, () -> publisher).run((context) -> {
			publishNumbered(context.getBean(OutboxPublisher.class), ids, from, note);
			Awaitility.await().atMost(WAIT).until(() -> publisher.deliveredIds().containsAll(ids));
			DataSource dataSource = context.getBean(DataSource.class);
			Awaitility.await()
				.atMost(WAIT)
				.until(() -> TestPostgres.queryForString(dataSource, "SELECT count(*) FROM outbox").equals("0"));
		});
	}

	private static void publishNumbered(OutboxPublisher outbox, List<UUID> ids, int from) {
		publishNumbered(outbox, ids, from, null);
	}

	private static void publishNumbered(OutboxPublisher outbox, List<UUID> ids, int from, String note) {
		for (int i = from; i < from + 50; i++) {
			ids.add(outbox.publish("N", "key-" + (i % 2),
					(note != null) ? Map.of("n", i, "note", note) : Map.of("n", i)));
		}
	}

	@Test
	void aLostSlotIsNeverReplacedSilently() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		ApplicationContextRunner runner = wal(target).withConfiguration(BootLine.actuator())
			.withConfiguration(AutoConfigurations.of(OutboxHealthContributorAutoConfiguration.class))
			.withPropertyValues("outbox.replication.reconnect-initial-delay=2s",
					"outbox.replication.reconnect-max-delay=2s")
			.withBean(MessagePublisher.class, () -> publisher);
		runner.run((context) -> {
			Probes.awaitState(context, RelayState.RUNNING, WAIT);
			UUID id = context.getBean(OutboxPublisher.class).publish("T", "k", Map.of("n", 1));
			publisher.awaitMessage((message) -> message.id().equals(id), WAIT);
			DataSource dataSource = context.getBean(DataSource.class);
			dropSlot(dataSource, target.slot());
			// the relay reconnects, finds the slot gone, and stays down saying why
			Awaitility.await().atMost(WAIT).until(() -> {
				BootLine.HealthReading health = BootLine.health(context);
				return health.status().equals("DOWN")
						&& String.valueOf(health.details().get("lastError")).contains("recreate-lost-slot");
			});
			assertThat(TestPostgres.queryForString(dataSource,
					"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + target.slot() + "'"))
				.isEqualTo("0");
		});
		// a restart refuses to start
		runner.run((context) -> assertThat(context).hasFailed()
			.getFailure()
			.rootCause()
			.hasMessageContaining("no longer exists")
			.hasMessageContaining("outbox.replication.recreate-lost-slot=true"));
		// until the operator accepts the loss
		runner.withPropertyValues("outbox.replication.recreate-lost-slot=true").run((context) -> {
			Probes.awaitState(context, RelayState.RUNNING, WAIT);
			UUID id = context.getBean(OutboxPublisher.class).publish("T", "k", Map.of("n", 2));
			publisher.awaitMessage((message) -> message.id().equals(id), WAIT);
		});
	}

	@ParameterizedTest(name = "recreate-lost-slot={0}")
	@ValueSource(booleans = { false, true })
	void aFirstStartDeliversRowsLeftInTheTableAndWhatIsPublishedAtOnce(boolean recreateLostSlot) {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		List<UUID> ids = new ArrayList<>();
		// rows of the table store that no slot has read
		OutboxContexts.withoutRelay(OutboxContexts.runner(target))
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> publishNumbered(context.getBean(OutboxPublisher.class), ids, 0));
		// the first start of the WAL store: published before the relay connected
		wal(target).withPropertyValues("outbox.replication.recreate-lost-slot=" + recreateLostSlot)
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				publishNumbered(context.getBean(OutboxPublisher.class), ids, 50);
				Awaitility.await().atMost(WAIT).until(() -> publisher.deliveredIds().containsAll(ids));
				Probes.awaitState(context, RelayState.RUNNING, WAIT);
			});
		assertEveryKeyInNumberOrder(publisher);
	}

	@Test
	void aBadPrefixIsAClearStartupError() {
		wal(OutboxContexts.newTarget()).withPropertyValues("outbox.wal.prefix=bad prefix'")
			.withBean(MessagePublisher.class, () -> (message) -> {
			})
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("outbox.wal.prefix")
				.hasMessageContaining("not allowed"));
	}

	@Test
	void anUnknownCompressionIsAClearStartupError() {
		wal(OutboxContexts.newTarget()).withPropertyValues("outbox.wal.compression=gzip")
			.withBean(MessagePublisher.class, () -> (message) -> {
			})
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("outbox.wal.compression")
				.hasStackTraceContaining("gzip"));
	}

	static void dropSlot(DataSource dataSource, String slot) {
		// cut the walsender and drop the slot until the drop wins the race with the
		// reconnect
		Awaitility.await().atMost(WAIT).ignoreExceptions().until(() -> {
			TestPostgres.queryForString(dataSource,
					"SELECT count(pg_terminate_backend(active_pid)) FROM pg_replication_slots WHERE slot_name = '"
							+ slot + "' AND active_pid IS NOT NULL");
			TestPostgres.update(dataSource, "SELECT pg_drop_replication_slot('" + slot + "')");
			return true;
		});
	}

	/** Each key's first deliveries come in the order the messages were written. */
	private static void assertEveryKeyInNumberOrder(RecordingPublisher publisher) {
		Probes.firstDeliveriesByKey(publisher.received()).forEach((key, payloads) -> {
			List<Integer> numbers = payloads.stream().map(Probes::numberIn).toList();
			assertThat(numbers).as("key %s", key).isSorted();
		});
	}

}
