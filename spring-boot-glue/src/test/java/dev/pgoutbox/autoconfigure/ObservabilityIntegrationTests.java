package dev.pgoutbox.autoconfigure;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.autoconfigure.endpoint.OutboxEndpoint;
import dev.pgoutbox.autoconfigure.endpoint.OutboxEndpointAutoConfiguration;
import dev.pgoutbox.autoconfigure.health.OutboxHealthContributorAutoConfiguration;
import dev.pgoutbox.autoconfigure.health.OutboxHealthIndicator;
import dev.pgoutbox.autoconfigure.metrics.OutboxMetricsAutoConfiguration;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.BootLine;
import dev.pgoutbox.testsupport.BootLine.HealthReading;
import dev.pgoutbox.testsupport.DedicatedPostgres;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.Probes;
import dev.pgoutbox.testsupport.RecordingPublisher;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Health, metrics and the {@code outbox} endpoint against a real relay on a real
 * PostgreSQL.
 */
class ObservabilityIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static ApplicationContextRunner withActuator(ApplicationContextRunner runner) {
		return runner.withConfiguration(BootLine.actuator())
			.withConfiguration(AutoConfigurations.of(OutboxHealthContributorAutoConfiguration.class,
					OutboxMetricsAutoConfiguration.class, OutboxEndpointAutoConfiguration.class))
			.withPropertyValues("management.endpoints.web.exposure.include=health,outbox",
					"outbox.metrics.slot-refresh-interval=100ms");
	}

	@Test
	void healthIsUpWhileRunningAndDownWhenLagExceedsTheLimitThenUpAgain() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		withActuator(OutboxContexts.runner(target)).withPropertyValues("outbox.health.max-lag=64KB")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Probes.awaitState(context, RelayState.RUNNING, WAIT);
				HealthReading health = health(context);
				assertThat(health.status()).isEqualTo("UP");
				assertThat(health.details()).containsEntry("state", "running")
					.containsEntry("slot", target.slot())
					.containsEntry("publication", "outbox_pub")
					.containsKeys("currentWalLsn", "confirmedFlushLsn", "restartLsn", "lagBytes", "retainedWalBytes",
							"walStatus", "buffered", "inFlight", "parked", "delivered");

				OutboxEndpoint endpoint = context.getBean(OutboxEndpoint.class);
				assertThat(endpoint.control("pause")).containsEntry("paused", true);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				for (int i = 0; i < 200; i++) {
					outbox.publish("Big", "k", Map.of("text", "x".repeat(1000)));
				}
				Awaitility.await().atMost(WAIT).until(() -> health(context).status().equals("DOWN"));
				assertThat((String) health(context).details().get("reason")).contains("exceeds outbox.health.max-lag");
				assertThat(publisher.count()).isZero();

				assertThat(endpoint.control("resume")).containsEntry("paused", false);
				publisher.awaitCount(200, WAIT);
				Awaitility.await().atMost(WAIT).until(() -> health(context).status().equals("UP"));
			});
	}

	@Test
	void healthIsUpInStandby() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		ApplicationContextRunner runner = withActuator(OutboxContexts.runner(target)).withBean(MessagePublisher.class,
				() -> (message) -> {
				});
		runner.run((active) -> {
			Probes.awaitState(active, RelayState.RUNNING, WAIT);
			runner.run((standby) -> {
				Probes.awaitState(standby, RelayState.STANDBY, WAIT);
				HealthReading health = health(standby);
				assertThat(health.status()).isEqualTo("UP");
				assertThat(health.details()).containsEntry("state", "standby");
			});
		});
	}

	@Test
	void healthIsDownWhenTheSlotIsLost() {
		try (DedicatedPostgres server = DedicatedPostgres
			.start(Map.of("max_slot_wal_keep_size", "1MB", "wal_keep_size", "0", "max_wal_size", "32MB"))) {
			ApplicationContextRunner runner = withActuator(
					OutboxContexts.withoutRelay(OutboxContexts.runner(server.jdbcUrl(), "postgres", null, "doomed")))
				.withBean(MessagePublisher.class, () -> (message) -> {
				});
			runner.run((context) -> {
				DataSource dataSource = context.getBean(DataSource.class);
				TestPostgres.queryForString(dataSource,
						"SELECT slot_name FROM pg_create_logical_replication_slot('doomed', 'pgoutput')");
				assertThat(health(context).details()).containsEntry("walStatus", "reserved");
				TestPostgres.update(dataSource, "CREATE TABLE filler (v text)");
				Awaitility.await().atMost(WAIT).until(() -> {
					TestPostgres.update(dataSource,
							"INSERT INTO filler SELECT repeat('x', 1000) FROM generate_series(1, 4000)");
					TestPostgres.queryForString(dataSource, "SELECT pg_switch_wal()::text");
					TestPostgres.update(dataSource, "CHECKPOINT");
					return "lost".equals(health(context).details().get("walStatus"));
				});
				HealthReading health = health(context);
				assertThat(health.status()).isEqualTo("DOWN");
				assertThat((String) health.details().get("reason")).contains("wal_status=lost");
			});
		}
	}

	@Test
	void metricsCountDeliveriesFailuresAndParkedMessages() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		java.util.concurrent.atomic.AtomicInteger flakyFailures = new java.util.concurrent.atomic.AtomicInteger();
		publisher.setHook((message) -> {
			if (message.key().equals("flaky") && flakyFailures.incrementAndGet() == 1) {
				throw new IllegalStateException("broker hiccup");
			}
			if (message.key().equals("doomed")) {
				throw new IllegalStateException("rejected");
			}
		});
		withActuator(OutboxContexts.runner(target)).withPropertyValues("outbox.delivery.retry.max-attempts=2")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Probes.awaitState(context, RelayState.RUNNING, WAIT);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				outbox.publish("T", "doomed", Map.of("n", 0));
				for (int i = 0; i < 9; i++) {
					outbox.publish("T", "key-" + i, Map.of("n", i));
				}
				// fails once, then goes through: one failure, one delivery
				outbox.publish("T", "flaky", Map.of("n", 9));
				publisher.awaitCount(10, WAIT);
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				String slot = target.slot();
				Awaitility.await()
					.atMost(WAIT)
					.until(() -> registry.get("outbox.messages.parked").tag("slot", slot).counter().count() == 1);
				assertThat(registry.get("outbox.messages.delivered").tag("slot", slot).counter().count()).isEqualTo(10);
				// the doomed message failed twice (then parked), the flaky one once
				assertThat(registry.get("outbox.publish.failures").tag("slot", slot).counter().count()).isEqualTo(3);
				// timed once, by the outbox.deliver observation, failures included
				assertThat(registry.find("outbox.publish").timer()).isNull();
				assertThat(registry.get("outbox.deliver")
					.tags("slot", slot, "partition", "default", "error", "none")
					.timer()
					.count()).isEqualTo(10);
				assertThat(registry.get("outbox.deliver").tag("error", "IllegalStateException").timer().count())
					.isEqualTo(3);
				assertThat(registry.get("outbox.delivery.latency").tag("slot", slot).timer().count()).isEqualTo(10);
				assertThat(registry.get("outbox.messages.buffered").gauge().value()).isZero();
				assertThat(registry.get("outbox.relay.state").tag("state", "running").gauge().value()).isEqualTo(1);
				assertThat(registry.get("outbox.relay.state").tag("state", "standby").gauge().value()).isZero();
				Awaitility.await()
					.atMost(WAIT)
					.until(() -> registry.get("outbox.dead.letters").gauge().value() == 1
							&& registry.get("outbox.replication.lag").gauge().value() >= 0);
				assertThat(registry.get("outbox.replication.retained").gauge().value()).isGreaterThan(0);
				assertThat(registry.get("outbox.reconnects").functionCounter().count()).isZero();
			});
	}

	@Test
	void endpointShowsStateAndConfigurationAndManagesDeadLetters() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		java.util.concurrent.atomic.AtomicBoolean rejecting = new java.util.concurrent.atomic.AtomicBoolean(true);
		publisher.setHook((message) -> {
			if (rejecting.get()) {
				throw new IllegalStateException("rejected");
			}
		});
		withActuator(OutboxContexts.runner(target))
			.withPropertyValues("outbox.delivery.retry.max-attempts=1", "outbox.replication.password=hunter2-secret",
					"outbox.replication.username=postgres")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Relay relay = Probes.awaitState(context, RelayState.RUNNING, WAIT);
				OutboxEndpoint endpoint = context.getBean(OutboxEndpoint.class);
				Map<String, Object> status = endpoint.status();
				assertThat(status).containsEntry("state", "running").containsKey("configuration");
				assertThat(status.toString()).contains("slotName=" + target.slot()).doesNotContain("hunter2");

				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				UUID first = outbox.publish("T", "a", Map.of("n", 1));
				UUID second = outbox.publish("T", "b", Map.of("n", 2));
				Awaitility.await().atMost(WAIT).until(() -> relay.statistics().parked() == 2);
				Map<String, Object> page = endpoint.deadLetters("dead-letters", 0, 10);
				assertThat(page).containsEntry("total", 2L);
				assertThat((List<?>) page.get("messages")).hasSize(2);

				rejecting.set(false);
				assertThat(endpoint.replay("replay", first.toString())).containsEntry("replayed", true);
				OutboxMessage replayed = publisher.awaitMessage((message) -> message.id().equals(first), WAIT);
				assertThat(replayed.payload()).isEqualTo("{\"n\":1}");
				assertThat(endpoint.delete("dead-letters", second.toString())).containsEntry("deleted", true);
				assertThat(endpoint.deadLetters("dead-letters", null, null)).containsEntry("total", 0L);
				assertThat(publisher.received()).extracting(OutboxMessage::id).doesNotContain(second);

				assertThatExceptionOfType(InvalidEndpointRequestException.class)
					.isThrownBy(() -> endpoint.control("explode"));
				assertThatExceptionOfType(InvalidEndpointRequestException.class)
					.isThrownBy(() -> endpoint.replay("replay", "not-a-uuid"));
				assertThatExceptionOfType(InvalidEndpointRequestException.class)
					.isThrownBy(() -> endpoint.deadLetters("dead-letters", -1, 10));
			});
	}

	@Test
	void healthTimeoutBoundsTheWholeCheckNotEachOfSixSlots() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		List<String> partitions = List.of("p1", "p2", "p3", "p4", "p5", "p6");
		withActuator(OutboxContexts.runner(target))
			.withPropertyValues("outbox.partitions=" + String.join(",", partitions), "outbox.health.timeout=1s",
					"outbox.membership.instance-id=one", "outbox.membership.heartbeat-interval=200ms",
					"outbox.membership.instance-timeout=1s",
					// six slot locks hold connections: room for six blocked reads besides
					"spring.datasource.hikari.maximum-pool-size=30")
			.withBean(MessagePublisher.class, () -> (message) -> {
			})
			.run((context) -> {
				OutboxRelayLifecycle lifecycle = context.getBean(OutboxRelayLifecycle.class);
				Awaitility.await()
					.atMost(Duration.ofSeconds(90))
					.until(() -> lifecycle.getRelays().size() == 6 && lifecycle.getRelays()
						.values()
						.stream()
						.allMatch((relay) -> relay.state() == RelayState.RUNNING));
				Awaitility.await().atMost(WAIT).until(() -> health(context).status().equals("UP"));
				DataSource dataSource = context.getBean(DataSource.class);
				try (Connection locker = dataSource.getConnection(); Statement statement = locker.createStatement()) {
					// every slot's query counts dead letters, and waits for this lock
					locker.setAutoCommit(false);
					statement.execute("LOCK TABLE outbox_dead_letters IN ACCESS EXCLUSIVE MODE");
					long started = System.nanoTime();
					HealthReading health = health(context);
					Duration took = Duration.ofNanos(System.nanoTime() - started);
					locker.rollback();
					assertThat(health.status()).isEqualTo("DOWN");
					@SuppressWarnings("unchecked")
					Map<String, Map<String, Object>> byPartition = (Map<String, Map<String, Object>>) health.details()
						.get("partitions");
					assertThat(byPartition).containsOnlyKeys(partitions)
						.allSatisfy((partition, entry) -> assertThat((String) entry.get("slotError"))
							.contains("within 1000 ms"));
					// one timeout (1 s) plus a margin for a slow machine; a timeout per
					// slot took at least 6 s
					assertThat(took).isLessThan(Duration.ofSeconds(4));
				}
			});
	}

	@Test
	void healthIndicatorCanBeSwitchedOff() {
		withActuator(OutboxContexts.runner(OutboxContexts.newTarget()))
			.withPropertyValues("management.health.outbox.enabled=false")
			.withBean(MessagePublisher.class, () -> (message) -> {
			})
			.run((context) -> assertThat(context).doesNotHaveBean(OutboxHealthIndicator.class)
				.hasSingleBean(OutboxEndpoint.class));
	}

	private static HealthReading health(ApplicationContext context) {
		return BootLine.health(context);
	}

}
