package dev.pgoutbox.failover;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.autoconfigure.health.OutboxHealthContributorAutoConfiguration;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.BootLine;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.PostgresPair;
import dev.pgoutbox.testsupport.Probes;
import dev.pgoutbox.testsupport.RecordingPublisher;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code outbox.replication.failover=true}: the slot is created as a PostgreSQL 17
 * failover slot in either store, an existing slot is made one, and health tells whether
 * the standbys a failover slot waits for have caught up.
 */
class FailoverSlotIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@ParameterizedTest(name = "outbox.store={0}")
	@ValueSource(strings = { "table", "wal" })
	void createsAFailoverSlot(String store) {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		OutboxContexts.runner(target)
			.withPropertyValues("outbox.store=" + store, "outbox.replication.failover=true")
			.withBean(MessagePublisher.class, () -> (message) -> {
			})
			.run((context) -> {
				Probes.awaitState(context, RelayState.RUNNING, WAIT);
				assertThat(failover(context.getBean(DataSource.class), target.slot())).isEqualTo("t");
			});
	}

	@Test
	void makesAnExistingSlotAFailoverSlotAndLosesNothing() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		publisher.setHook((message) -> {
			throw new IllegalStateException("broker down");
		});
		UUID[] pending = new UUID[1];
		OutboxContexts.runner(target)
			.withPropertyValues("outbox.shutdown-timeout=1s")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Probes.awaitState(context, RelayState.RUNNING, WAIT);
				assertThat(failover(context.getBean(DataSource.class), target.slot())).isEqualTo("f");
				pending[0] = context.getBean(OutboxPublisher.class).publish("T", "k", Map.of("n", 1));
				Awaitility.await().atMost(WAIT).until(() -> publisher.attemptedIds().contains(pending[0]));
			});
		publisher.setHook((message) -> {
		});
		OutboxContexts.runner(target)
			.withPropertyValues("outbox.replication.failover=true")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				publisher.awaitMessage((message) -> message.id().equals(pending[0]), WAIT);
				assertThat(failover(context.getBean(DataSource.class), target.slot())).isEqualTo("t");
			});
	}

	@Test
	void healthShowsTheStandbysTheFailoverSlotWaitsForAndWhetherTheyCaughtUp() {
		try (PostgresPair pair = PostgresPair.start()) {
			RecordingPublisher publisher = new RecordingPublisher();
			OutboxContexts.runner(pair.multiHostJdbcUrl(), "postgres", null, "failover_health")
				.withConfiguration(BootLine.actuator())
				.withConfiguration(AutoConfigurations.of(OutboxHealthContributorAutoConfiguration.class))
				.withPropertyValues("outbox.replication.failover=true")
				.withBean(MessagePublisher.class, () -> publisher)
				.run((context) -> {
					Probes.awaitState(context, RelayState.RUNNING, WAIT);
					UUID id = context.getBean(OutboxPublisher.class).publish("T", "k", Map.of("n", 1));
					publisher.awaitMessage((message) -> message.id().equals(id), WAIT);
					Awaitility.await().atMost(WAIT).untilAsserted(() -> {
						BootLine.HealthReading health = BootLine.health(context);
						assertThat(health.status()).isEqualTo("UP");
						assertThat(health.details()).containsEntry("failover", true)
							.containsEntry("synchronizedStandbySlots", PostgresPair.STANDBY_SLOT)
							.containsEntry("standbysCaughtUp", true);
					});
					// and the standby holds a synchronized copy
					Awaitility.await().atMost(WAIT).until(() -> {
						pair.wakeSlotSync();
						return "true|false".equals(PostgresPair.queryForString(pair.standbyJdbcUrl(),
								"SELECT synced || '|' || temporary FROM pg_replication_slots "
										+ "WHERE slot_name = 'failover_health'"));
					});
				});
		}
	}

	private static String failover(DataSource dataSource, String slot) {
		return TestPostgres.queryForString(dataSource,
				"SELECT failover FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
	}

}
