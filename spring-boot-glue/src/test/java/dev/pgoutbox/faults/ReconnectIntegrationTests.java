package dev.pgoutbox.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.DedicatedPostgres;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.Probes;
import dev.pgoutbox.testsupport.RecordingPublisher;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The replication connection is cut for real: by {@code pg_terminate_backend} and by a
 * PostgreSQL restart. The relay reconnects and nothing is skipped.
 */
class ReconnectIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@Test
	void terminatedWalsenderIsReplacedAndNothingIsSkipped() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		// a broker that takes a little time, so that messages are in flight when the cut
		// comes
		publisher.setHook((message) -> LockSupport.parkNanos(200_000));
		OutboxContexts.runner(target).withBean(MessagePublisher.class, () -> publisher).run((context) -> {
			Relay relay = Probes.awaitState(context, RelayState.RUNNING, WAIT);
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			DataSource dataSource = context.getBean(DataSource.class);
			List<UUID> ids = new ArrayList<>();
			for (int i = 0; i < 3000; i++) {
				ids.add(outbox.publish("N", "key-" + (i % 20), Map.of("n", i)));
				if (i == 1000) {
					Awaitility.await().atMost(WAIT).until(() -> publisher.count() > 100);
					assertThat(TestPostgres.queryForString(dataSource,
							"SELECT count(pg_terminate_backend(active_pid)) FROM pg_replication_slots "
									+ "WHERE slot_name = '" + target.slot() + "' AND active_pid IS NOT NULL"))
						.isEqualTo("1");
				}
			}
			Awaitility.await()
				.atMost(WAIT)
				.until(() -> publisher.received().stream().map(OutboxMessage::id).distinct().count() == ids.size());
			assertThat(publisher.received()).extracting(OutboxMessage::id).containsAll(ids);
			assertEveryKeyInOrder(publisher);
			assertThat(relay.lastError()).isNotNull();
			Probes.awaitState(context, RelayState.RUNNING, WAIT);
		});
	}

	@Test
	void postgresRestartIsSurvivedAndNothingIsSkipped() {
		try (DedicatedPostgres server = DedicatedPostgres.start(Map.of())) {
			RecordingPublisher publisher = new RecordingPublisher();
			OutboxContexts.runner(server.jdbcUrl(), "postgres", null, "restart_slot")
				.withBean(MessagePublisher.class, () -> publisher)
				.run((context) -> {
					Relay relay = Probes.awaitState(context, RelayState.RUNNING, WAIT);
					OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
					List<UUID> ids = new ArrayList<>();
					for (int i = 0; i < 500; i++) {
						ids.add(outbox.publish("N", "key-" + (i % 5), Map.of("n", i)));
					}
					server.restart();
					// the pool and the relay both find the restarted server on their own
					Awaitility.await().atMost(WAIT).ignoreExceptions().until(() -> {
						ids.add(outbox.publish("N", "key-0", Map.of("n", 500)));
						return true;
					});
					for (int i = 501; i < 1000; i++) {
						ids.add(outbox.publish("N", "key-" + (i % 5), Map.of("n", i)));
					}
					Awaitility.await()
						.atMost(WAIT)
						.until(() -> publisher.received().stream().map(OutboxMessage::id).distinct().count() == ids
							.size());
					assertThat(publisher.received()).extracting(OutboxMessage::id).containsAll(ids);
					assertEveryKeyInOrder(publisher);
					assertThat(relay.lastError()).isNotNull();
				});
		}
	}

	static void assertEveryKeyInOrder(RecordingPublisher publisher) {
		Probes.firstDeliveriesByKey(publisher.received())
			.forEach((key, payloads) -> assertThat(payloads.stream().map(Probes::numberIn).toList())
				.as("first deliveries of %s", key)
				.isSorted());
	}

	@Test
	void aRestartedServerIsNoticedWithinSecondsNotAtTheNextStatusInterval() {
		// no keep-alive of the server's to lean on, and a status interval longer than the
		// test
		try (DedicatedPostgres server = DedicatedPostgres.start(Map.of("wal_sender_timeout", "0"))) {
			RecordingPublisher publisher = new RecordingPublisher();
			OutboxContexts.runner(server.jdbcUrl(), "postgres", null, "noticed_slot")
				.withPropertyValues("outbox.replication.status-interval=120s")
				.withBean(MessagePublisher.class, () -> publisher)
				.run((context) -> {
					Relay relay = Probes.awaitState(context, RelayState.RUNNING, WAIT);
					OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
					UUID before = outbox.publish("N", "k", Map.of("n", 1));
					publisher.awaitMessage((message) -> message.id().equals(before), WAIT);
					server.restart();
					List<UUID> after = new ArrayList<>();
					Awaitility.await().atMost(WAIT).ignoreExceptions().until(() -> {
						after.add(outbox.publish("N", "k", Map.of("n", 2)));
						return true;
					});
					// a check once a status interval would find the dead stream 120 s
					// from now
					publisher.awaitMessage((message) -> message.id().equals(after.get(0)), Duration.ofSeconds(30));
					assertThat(relay.lastError()).isNotNull();
					assertThat(relay.statistics().reconnects()).isPositive();
				});
		}
	}

}
