package dev.pgoutbox.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.pgoutbox.Lsn;
import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboundMessage;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.Probes;
import dev.pgoutbox.testsupport.RecordingPublisher;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The data path end to end on a real PostgreSQL: from {@link OutboxPublisher} in a Spring
 * transaction, through the WAL, to the {@link MessagePublisher}.
 */
class OutboxRelayIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@Test
	void deliversCommittedMessageAndNeverRolledBackOne() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		OutboxContexts.runner(target).withBean(MessagePublisher.class, () -> publisher).run((context) -> {
			// written once the slot streams, so each message carries its own commit
			// position
			Probes.awaitState(context, RelayState.RUNNING, WAIT);
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			TransactionTemplate transaction = new TransactionTemplate(
					context.getBean(PlatformTransactionManager.class));
			UUID rolledBack = transaction.execute((status) -> {
				UUID id = outbox.publish("OrderPlaced", "order-1", Map.of("total", 10));
				status.setRollbackOnly();
				return id;
			});
			UUID committed = transaction.execute(
					(status) -> outbox.publish("OrderPlaced", "order-1", Map.of("total", 20), Map.of("trace", "abc")));
			UUID after = outbox.publish("OrderPlaced", "order-1", Map.of("total", 30));

			publisher.awaitMessage((message) -> message.id().equals(after), WAIT);
			List<OutboxMessage> received = publisher.received();
			assertThat(received).extracting(OutboxMessage::id).containsExactly(committed, after);
			assertThat(received).extracting(OutboxMessage::id).doesNotContain(rolledBack);
			OutboxMessage first = received.get(0);
			assertThat(first.type()).isEqualTo("OrderPlaced");
			assertThat(first.key()).isEqualTo("order-1");
			assertThat(first.payload()).isEqualTo("{\"total\":20}");
			assertThat(first.headers()).containsExactly(Map.entry("trace", "abc"));
			assertThat(first.lsn()).isGreaterThan(Lsn.ZERO);
			assertThat(received.get(1).lsn()).isGreaterThan(first.lsn());
		});
	}

	@Test
	void deliversRowsWrittenBeforeTheSlotExistedAndWhileItWasCreatedExactlyOnce() throws Exception {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		// a first context with the relay switched off writes the backlog
		List<UUID> written = new ArrayList<>();
		OutboxContexts.withoutRelay(OutboxContexts.runner(target)).run((context) -> {
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			for (int i = 0; i < 500; i++) {
				written.add(outbox.publish("Backlog", "key-" + (i % 7), Map.of("n", i)));
			}
		});

		RecordingPublisher publisher = new RecordingPublisher();
		OutboxContexts.runner(target).withBean(MessagePublisher.class, () -> publisher).run((context) -> {
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			// keep writing while the relay creates its slot and reads the backlog
			AtomicBoolean writing = new AtomicBoolean(true);
			List<UUID> concurrent = new ArrayList<>();
			Thread writer = new Thread(() -> {
				int n = 0;
				while (writing.get() || n < 200) {
					UUID id = outbox.publish("Live", "key-" + (n % 7), Map.of("n", n));
					synchronized (concurrent) {
						concurrent.add(id);
					}
					n++;
				}
			});
			writer.start();
			Probes.awaitState(context, RelayState.RUNNING, WAIT);
			writing.set(false);
			writer.join(TimeUnit.SECONDS.toMillis(30));
			List<UUID> all = new ArrayList<>(written);
			synchronized (concurrent) {
				all.addAll(concurrent);
			}
			publisher.awaitCount(all.size(), WAIT);
			List<UUID> delivered = publisher.received().stream().map(OutboxMessage::id).toList();
			assertThat(delivered).containsExactlyInAnyOrderElementsOf(all);
			// the backlog comes first for every key, in write order
			for (int k = 0; k < 7; k++) {
				String key = "key-" + k;
				List<UUID> ofKey = publisher.received()
					.stream()
					.filter((m) -> m.key().equals(key))
					.map(OutboxMessage::id)
					.toList();
				List<UUID> backlogOfKey = written.stream().filter((id) -> ofKey.contains(id)).toList();
				assertThat(ofKey.subList(0, backlogOfKey.size())).containsExactlyElementsOf(backlogOfKey);
				List<Integer> live = publisher.received()
					.stream()
					.filter((m) -> m.key().equals(key) && m.type().equals("Live"))
					.map((m) -> Probes.numberIn(m.payload()))
					.toList();
				assertThat(live).isSorted();
			}
		});
	}

	@ParameterizedTest(name = "catch-up-nap={0}")
	@ValueSource(strings = { "0", "1ms", "50ms" })
	void streamsBurstsExactlyOnceInOrderPerKeyWhateverTheCatchUpNap(String nap) throws Exception {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		OutboxContexts.runner(target)
			.withPropertyValues("outbox.replication.catch-up-nap=" + nap)
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Probes.awaitState(context, RelayState.RUNNING, WAIT);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				// four writers at full speed: the relay catches up after bursts of
				// hundreds of messages, and pauses when it does
				int perWriter = 750;
				List<Thread> writers = new ArrayList<>();
				for (int w = 0; w < 4; w++) {
					String key = "writer-" + w;
					Thread writer = new Thread(() -> {
						for (int n = 0; n < perWriter; n++) {
							outbox.publish("Burst", key, Map.of("n", n));
						}
					});
					writers.add(writer);
					writer.start();
				}
				for (Thread writer : writers) {
					writer.join(WAIT.toMillis());
					assertThat(writer.isAlive()).as("writer finished").isFalse();
				}
				publisher.awaitCount(4 * perWriter, WAIT);
				assertThat(publisher.received()).hasSize(4 * perWriter);
				assertThat(publisher.deliveredIds()).hasSize(4 * perWriter);
				for (int w = 0; w < 4; w++) {
					String key = "writer-" + w;
					assertThat(publisher.received()
						.stream()
						.filter((m) -> m.key().equals(key))
						.map((m) -> Probes.numberIn(m.payload()))
						.toList()).as("messages of %s", key).hasSize(perWriter).isSorted().doesNotHaveDuplicates();
				}
			});
	}

	@Test
	void cleanStopThenRestartRedeliversNothing() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher first = new RecordingPublisher();
		List<UUID> firstIds = new ArrayList<>();
		OutboxContexts.runner(target).withBean(MessagePublisher.class, () -> first).run((context) -> {
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			for (int i = 0; i < 200; i++) {
				firstIds.add(outbox.publish("Step", "one-key", Map.of("n", i)));
			}
			first.awaitCount(200, WAIT);
		});
		assertThat(first.received()).extracting(OutboxMessage::id).containsExactlyElementsOf(firstIds);

		RecordingPublisher second = new RecordingPublisher();
		OutboxContexts.runner(target).withBean(MessagePublisher.class, () -> second).run((context) -> {
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			List<UUID> secondIds = new ArrayList<>();
			for (int i = 200; i < 250; i++) {
				secondIds.add(outbox.publish("Step", "one-key", Map.of("n", i)));
			}
			second.awaitMessage((message) -> message.id().equals(secondIds.get(secondIds.size() - 1)), WAIT);
			// one key, so any redelivered message of the first run would have come before
			// these
			assertThat(second.received()).extracting(OutboxMessage::id).containsExactlyElementsOf(secondIds);
		});
	}

	@Test
	void keepsStreamingAfterIdlingLongerThanTheStatusInterval() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		OutboxContexts.runner(target).withBean(MessagePublisher.class, () -> publisher).run((context) -> {
			Relay relay = Probes.awaitState(context, RelayState.RUNNING, WAIT);
			// the scenario is the idle time itself: five status intervals with nothing to
			// read
			long idleUntil = System.nanoTime() + Duration.ofMillis(1000).toNanos();
			Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> System.nanoTime() - idleUntil >= 0);
			UUID id = context.getBean(OutboxPublisher.class).publish("Ping", "k", Map.of());
			publisher.awaitMessage((message) -> message.id().equals(id), WAIT);
			assertThat(relay.lastError()).isNull();
			assertThat(relay.state()).isEqualTo(RelayState.RUNNING);
		});
	}

	@Test
	void confirmedPositionNeverPassesAnUnfinishedMessageAndItIsDeliveredAfterRestart() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		CountDownLatch secondStarted = new CountDownLatch(1);
		CountDownLatch never = new CountDownLatch(1);
		RecordingPublisher first = new RecordingPublisher();
		List<UUID> ids = new ArrayList<>();
		AtomicReference<OutboxMessage> slow = new AtomicReference<>();
		OutboxContexts.runner(target)
			.withPropertyValues("outbox.shutdown-timeout=1s")
			.withBean(MessagePublisher.class, () -> first)
			.run((context) -> {
				Relay relay = Probes.awaitState(context, RelayState.RUNNING, WAIT);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				first.setHook((message) -> {
					if (message.key().equals("slow")) {
						slow.set(message);
						secondStarted.countDown();
						never.await();
					}
				});
				ids.add(outbox.publish("M", "a", Map.of("n", 1)));
				ids.add(outbox.publish("M", "slow", Map.of("n", 2)));
				ids.add(outbox.publish("M", "c", Map.of("n", 3)));
				ids.add(outbox.publish("M", "d", Map.of("n", 4)));
				assertThat(secondStarted.await(30, TimeUnit.SECONDS)).isTrue();
				// the messages after the slow one finish first
				first.awaitCount(3, WAIT);
				Set<UUID> done = first.received().stream().map(OutboxMessage::id).collect(Collectors.toSet());
				assertThat(done).containsExactlyInAnyOrder(ids.get(0), ids.get(2), ids.get(3));
				// the first transaction reaches the server; nothing from the slow one on
				// does
				// found by id: three are delivered in parallel, in any order
				Lsn firstCommit = first.received()
					.stream()
					.filter((message) -> message.id().equals(ids.get(0)))
					.findFirst()
					.orElseThrow()
					.lsn();
				Awaitility.await()
					.atMost(WAIT)
					.until(() -> Probes.slotConfirmed(context.getBean(DataSource.class), target.slot())
						.compareTo(firstCommit) > 0);
				Lsn slowCommit = slow.get().lsn();
				assertThat(first.received()).allSatisfy((message) -> {
					if (!message.id().equals(ids.get(0))) {
						assertThat(message.lsn()).isGreaterThan(slowCommit);
					}
				});
				assertThat(relay.confirmed()).isLessThanOrEqualTo(slowCommit);
				assertThat(Probes.slotConfirmed(context.getBean(DataSource.class), target.slot()))
					.isLessThanOrEqualTo(slowCommit);
			});

		RecordingPublisher second = new RecordingPublisher();
		OutboxContexts.runner(target).withBean(MessagePublisher.class, () -> second).run((context) -> {
			second.awaitMessage((message) -> message.id().equals(ids.get(1)), WAIT);
			// the slot's position moves on once the slow message is delivered
			Awaitility.await()
				.atMost(WAIT)
				.until(() -> Probes.slotConfirmed(context.getBean(DataSource.class), target.slot())
					.compareTo(second.awaitMessage((message) -> message.id().equals(ids.get(1)), WAIT).lsn()) > 0);
		});
	}

	@Test
	void deletesDeliveredRowsSoTheTableHoldsOnlyTheBacklog() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		OutboxContexts.runner(target).withBean(MessagePublisher.class, () -> publisher).run((context) -> {
			Relay relay = Probes.awaitState(context, RelayState.RUNNING, WAIT);
			DataSource dataSource = context.getBean(DataSource.class);
			relay.setPaused(true);
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			for (int i = 0; i < 2500; i++) {
				outbox.publish("N", "key-" + (i % 10), Map.of("n", i));
			}
			assertThat(TestPostgres.queryForString(dataSource, "SELECT count(*) FROM outbox")).isEqualTo("2500");
			relay.setPaused(false);
			publisher.awaitCount(2500, WAIT);
			// deleted in batches of outbox.cleanup.batch-size (1,000) every
			// outbox.cleanup.interval
			Awaitility.await()
				.atMost(WAIT)
				.until(() -> "0".equals(TestPostgres.queryForString(dataSource, "SELECT count(*) FROM outbox")));
		});
	}

	@Test
	void publishAllWritesEveryMessageOrNone() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		OutboxContexts.runner(target).withBean(MessagePublisher.class, () -> publisher).run((context) -> {
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			List<UUID> ids = outbox.publishAll(List.of(OutboundMessage.of("A", "k1", Map.of("n", 1)),
					OutboundMessage.of("B", "k2", Map.of("n", 2)).withHeader("h", "v"),
					OutboundMessage.of("C", "k1", Map.of("n", 3))));
			publisher.awaitCount(3, WAIT);
			assertThat(publisher.received()).extracting(OutboxMessage::id).containsExactlyInAnyOrderElementsOf(ids);
			assertThat(publisher.received()).extracting(OutboxMessage::lsn)
				.containsOnly(publisher.received().get(0).lsn());
			assertThat(publisher.payloadsByKey().get("k1")).containsExactly("{\"n\":1}", "{\"n\":3}");
		});
	}

}
