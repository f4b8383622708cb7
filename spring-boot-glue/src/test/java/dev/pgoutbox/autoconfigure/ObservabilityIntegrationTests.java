package dev.pgoutbox.autoconfigure;

import java.security.Principal;
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
import org.springframework.boot.actuate.endpoint.SecurityContext;
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
					"outbox.replication.username=postgres", "outbox.cleanup.batch-size=7")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Relay relay = Probes.awaitState(context, RelayState.RUNNING, WAIT);
				OutboxEndpoint endpoint = context.getBean(OutboxEndpoint.class);
				Map<String, Object> status = endpoint.status();
				assertThat(status).containsEntry("state", "running").containsKey("configuration");
				assertThat(status.toString()).contains("slotName=" + target.slot()).doesNotContain("hunter2");
				Map<String, Object> configuration = map(status.get("configuration"));
				// built from the bound properties: every group, the ones a hand-kept copy
				// missed among them
				assertThat(configuration).containsKeys("cleanup", "membership", "partitions", "metrics", "health",
						"delivery", "replication");
				assertThat(map(configuration.get("cleanup"))).containsEntry("batchSize", 7)
					.containsEntry("interval", "PT0.1S");
				assertThat(map(configuration.get("metrics"))).containsEntry("typeTag", false)
					.containsEntry("slotRefreshInterval", "PT0.1S");
				assertThat(map(configuration.get("membership"))).containsEntry("heartbeatInterval", "PT1S");
				assertThat(map(configuration.get("replication"))).containsEntry("password", "******")
					.containsEntry("username", "postgres")
					.containsEntry("reconnectMaxDelay", "PT1S")
					.containsEntry("reconnectInitialDelay", "PT0.5S");
				assertThat(map(configuration.get("health"))).containsEntry("timeout", "PT2S");
				assertThat(configuration).containsEntry("partitions", List.of("default"));

				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				UUID first = outbox.publish("T", "a", Map.of("n", 1), Map.of("customer", "jane@example.com"));
				UUID second = outbox.publish("T", "b", Map.of("n", 2));
				Awaitility.await().atMost(WAIT).until(() -> relay.statistics().parked() == 2);
				Map<String, Object> page = endpoint.deadLetters(SecurityContext.NONE, "dead-letters", 0, 10);
				assertThat(page).containsEntry("total", 2L);
				assertThat(messages(page)).hasSize(2)
					.allSatisfy((message) -> assertThat(message).containsEntry("payload", "******"));
				// by default no value of a dead letter shows: neither payload nor headers
				assertThat(page.toString()).doesNotContain("\"n\"").doesNotContain("jane@example.com");
				assertThat(messages(page))
					.anySatisfy((message) -> assertThat(message).containsEntry("id", first.toString())
						.containsEntry("type", "T")
						.containsEntry("key", "a")
						.containsEntry("headers", Map.of("customer", "******")));

				rejecting.set(false);
				assertThat(endpoint.replay("replay", first.toString())).containsEntry("replayed", true);
				OutboxMessage replayed = publisher.awaitMessage((message) -> message.id().equals(first), WAIT);
				assertThat(replayed.payload()).isEqualTo("{\"n\":1}");
				assertThat(endpoint.delete("dead-letters", second.toString())).containsEntry("deleted", true);
				assertThat(endpoint.deadLetters(SecurityContext.NONE, "dead-letters", null, null))
					.containsEntry("total", 0L);
				assertThat(publisher.received()).extracting(OutboxMessage::id).doesNotContain(second);

				assertThatExceptionOfType(InvalidEndpointRequestException.class)
					.isThrownBy(() -> endpoint.control("explode"));
				assertThatExceptionOfType(InvalidEndpointRequestException.class)
					.isThrownBy(() -> endpoint.replay("replay", "not-a-uuid"));
				assertThatExceptionOfType(InvalidEndpointRequestException.class)
					.isThrownBy(() -> endpoint.deadLetters(SecurityContext.NONE, "dead-letters", -1, 10));
			});
	}

	@Test
	void endpointShowsDeadLetterValuesOnlyToAuthorizedUsersWhenSoConfigured() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		withActuator(OutboxContexts.runner(target))
			.withPropertyValues("outbox.delivery.retry.max-attempts=1",
					"management.endpoint.outbox.show-values=when-authorized", "management.endpoint.outbox.roles=ops")
			.withBean(MessagePublisher.class, () -> (message) -> {
				throw new IllegalStateException("rejected");
			})
			.run((context) -> {
				Relay relay = Probes.awaitState(context, RelayState.RUNNING, WAIT);
				context.getBean(OutboxPublisher.class).publish("T", "a", Map.of("n", 1), Map.of("customer", "jane"));
				Awaitility.await().atMost(WAIT).until(() -> relay.statistics().parked() == 1);
				OutboxEndpoint endpoint = context.getBean(OutboxEndpoint.class);
				assertThat(messages(endpoint.deadLetters(user("ops"), "dead-letters", 0, 10)).get(0))
					.containsEntry("payload", "{\"n\":1}")
					.containsEntry("headers", Map.of("customer", "jane"));
				for (SecurityContext unauthorized : List.of(SecurityContext.NONE, user("sales"))) {
					assertThat(messages(endpoint.deadLetters(unauthorized, "dead-letters", 0, 10)).get(0))
						.containsEntry("payload", "******")
						.containsEntry("headers", Map.of("customer", "******"));
				}
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
					// a read under way when the lock was granted may still finish, and a
					// check joins a read under way: this first check takes those, so that
					// every read of the next one starts under the lock
					health(context);
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

	@SuppressWarnings("unchecked")
	private static Map<String, Object> map(Object value) {
		return (Map<String, Object>) value;
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> messages(Map<String, Object> page) {
		return (List<Map<String, Object>>) page.get("messages");
	}

	/** A signed-in user with one role, as Spring Security would present them. */
	private static SecurityContext user(String role) {
		return new SecurityContext() {

			@Override
			public Principal getPrincipal() {
				return () -> "operator";
			}

			@Override
			public boolean isUserInRole(String candidate) {
				return role.equals(candidate);
			}

		};
	}

}
