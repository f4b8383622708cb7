package dev.pgoutbox.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.DedicatedPostgres;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.Probes;
import dev.pgoutbox.testsupport.RecordingPublisher;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The slot is dropped, or invalidated by {@code max_slot_wal_keep_size}: the relay
 * recreates it and delivers every row the old slot can no longer give from the table.
 */
class SlotLossIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@Test
	void droppedSlotIsRecreatedAndRowsWrittenMeanwhileAreDelivered() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		OutboxContexts.runner(target)
			// a slow reconnect leaves the test time to drop the slot while no walsender
			// holds it
			.withPropertyValues("outbox.replication.reconnect-initial-delay=3s",
					"outbox.replication.reconnect-max-delay=3s")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Probes.awaitState(context, RelayState.RUNNING, WAIT);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				DataSource dataSource = context.getBean(DataSource.class);
				List<UUID> ids = new ArrayList<>();
				for (int i = 0; i < 100; i++) {
					ids.add(outbox.publish("N", "key-" + (i % 4), Map.of("n", i)));
				}
				publisher.awaitCount(100, WAIT);
				// cut the walsender and drop the slot until the drop wins the race with
				// the
				// reconnect, however slow the machine
				Awaitility.await().atMost(WAIT).ignoreExceptions().until(() -> {
					TestPostgres.queryForString(dataSource,
							"SELECT count(pg_terminate_backend(active_pid)) FROM pg_replication_slots WHERE slot_name = '"
									+ target.slot() + "' AND active_pid IS NOT NULL");
					TestPostgres.update(dataSource, "SELECT pg_drop_replication_slot('" + target.slot() + "')");
					return true;
				});
				// written while no slot exists: only the table holds these
				for (int i = 100; i < 200; i++) {
					ids.add(outbox.publish("N", "key-" + (i % 4), Map.of("n", i)));
				}
				Awaitility.await()
					.atMost(WAIT)
					.until(() -> publisher.received().stream().map(OutboxMessage::id).distinct().count() == ids.size());
				assertThat(publisher.received()).extracting(OutboxMessage::id).containsAll(ids);
				ReconnectIntegrationTests.assertEveryKeyInOrder(publisher);
				Probes.awaitState(context, RelayState.RUNNING, WAIT);
			});
	}

	@Test
	void invalidatedSlotIsRecreatedAndTheBacklogIsDelivered() {
		try (DedicatedPostgres server = DedicatedPostgres
			.start(Map.of("max_slot_wal_keep_size", "1MB", "wal_keep_size", "0", "max_wal_size", "32MB"))) {
			String url = server.jdbcUrl();
			List<UUID> ids = new ArrayList<>();
			RecordingPublisher first = new RecordingPublisher();
			OutboxContexts.runner(url, "postgres", null, "lost_slot")
				.withBean(MessagePublisher.class, () -> first)
				.run((context) -> {
					Probes.awaitState(context, RelayState.RUNNING, WAIT);
					ids.add(context.getBean(OutboxPublisher.class).publish("N", "k", Map.of("n", 0)));
					first.awaitCount(1, WAIT);
				});
			try (var dataSource = dataSource(url)) {
				// a backlog written while the relay is down, then far more WAL than the
				// slot may keep
				OutboxContexts.withoutRelay(OutboxContexts.runner(url, "postgres", null, "lost_slot"))
					.run((context) -> {
						for (int i = 1; i <= 50; i++) {
							ids.add(context.getBean(OutboxPublisher.class).publish("N", "k", Map.of("n", i)));
						}
					});
				TestPostgres.update(dataSource, "CREATE TABLE filler (v text)");
				Awaitility.await().atMost(WAIT).until(() -> {
					TestPostgres.update(dataSource,
							"INSERT INTO filler SELECT repeat('x', 1000) FROM generate_series(1, 4000)");
					TestPostgres.queryForString(dataSource, "SELECT pg_switch_wal()::text");
					TestPostgres.update(dataSource, "CHECKPOINT");
					return "lost".equals(TestPostgres.queryForString(dataSource,
							"SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'lost_slot'"));
				});
			}
			RecordingPublisher second = new RecordingPublisher();
			OutboxContexts.runner(url, "postgres", null, "lost_slot")
				.withBean(MessagePublisher.class, () -> second)
				.run((context) -> {
					second.awaitCount(50, WAIT);
					assertThat(second.received()).extracting(OutboxMessage::id).containsAll(ids.subList(1, 51));
					assertThat(second.received().stream().map((m) -> Probes.numberIn(m.payload())).toList()).isSorted();
					Probes.awaitState(context, RelayState.RUNNING, WAIT);
					assertThat(TestPostgres.queryForString(context.getBean(DataSource.class),
							"SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'lost_slot'"))
						.isNotEqualTo("lost");
				});
		}
	}

	private static com.zaxxer.hikari.HikariDataSource dataSource(String url) {
		com.zaxxer.hikari.HikariDataSource dataSource = new com.zaxxer.hikari.HikariDataSource();
		dataSource.setJdbcUrl(url);
		dataSource.setUsername("postgres");
		return dataSource;
	}

}
