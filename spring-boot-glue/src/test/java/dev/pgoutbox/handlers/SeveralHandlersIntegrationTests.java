package dev.pgoutbox.handlers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;

import dev.pgoutbox.DeadLetters;
import dev.pgoutbox.OutboundMessage;
import dev.pgoutbox.OutboxHandler;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.ParkedMessage;
import dev.pgoutbox.autoconfigure.health.OutboxHealthContributorAutoConfiguration;
import dev.pgoutbox.autoconfigure.metrics.OutboxMetricsAutoConfiguration;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.BootLine;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.Probes;
import dev.pgoutbox.testsupport.RecordingPublisher;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several handlers share the messages: each is retried and parked on its own, one that
 * delivered is not called again because another failed, and a message is done, for the
 * slot and for cleanup, once every handler that takes it is done with it.
 */
class SeveralHandlersIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@Test
	void eachHandlerGetsTheMessagesItTakesAndAFailingOneHoldsBackNeitherTheOthersNorTheirKeys() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher broker = new RecordingPublisher();
		RecordingPublisher search = new RecordingPublisher();
		RecordingPublisher email = new RecordingPublisher();
		AtomicBoolean emailDown = new AtomicBoolean(true);
		email.setHook((message) -> {
			if (emailDown.get()) {
				throw new IllegalStateException("mail server down");
			}
		});
		OutboxContexts.runner(target)
			.withConfiguration(BootLine.actuator())
			.withConfiguration(AutoConfigurations.of(OutboxHealthContributorAutoConfiguration.class,
					OutboxMetricsAutoConfiguration.class))
			.withPropertyValues("outbox.delivery.retry.max-attempts=0")
			.withBean("broker", RecordingPublisher.class, () -> broker)
			.withBean("search", RecordingPublisher.class, () -> search)
			.withBean("emailHandler", OutboxHandler.class,
					() -> OutboxHandler.of("email", email).forTypes("OrderPlaced"))
			.run((context) -> {
				Relay relay = Probes.awaitState(context, RelayState.RUNNING, WAIT);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				List<OutboundMessage> messages = new ArrayList<>();
				for (int i = 0; i < 60; i++) {
					messages.add(OutboundMessage.of((i % 3 == 0) ? "OrderPlaced" : "OrderShipped", "order-" + (i % 4),
							Map.of("n", i)));
				}
				List<UUID> ids = outbox.publishAll(messages);
				Set<UUID> placed = new java.util.HashSet<>();
				for (int i = 0; i < 60; i += 3) {
					placed.add(ids.get(i));
				}
				// the broker and search handlers deliver everything while email fails
				broker.awaitCount(60, WAIT);
				search.awaitCount(60, WAIT);
				// email's keys wait behind their first failing message; the others' do
				// not
				Awaitility.await().atMost(WAIT).until(() -> email.attemptedIds().size() == 4);
				assertThat(email.received()).isEmpty();
				assertThat(placed).containsAll(email.attemptedIds());
				// not done for the slot while a handler that takes them still fails
				DataSource dataSource = context.getBean(DataSource.class);
				OutboxMessage first = broker.received().get(0);
				assertThat(Probes.slotConfirmed(dataSource, target.slot())).isLessThan(first.lsn());
				// the rows no handler still needs are cleaned up; email's stay
				Awaitility.await()
					.atMost(WAIT)
					.until(() -> TestPostgres.queryForString(dataSource, "SELECT count(*) FROM outbox").equals("20"));
				Map<String, Object> health = BootLine.health(context).details();
				assertThat(health).containsKey("handlers");

				emailDown.set(false);
				email.awaitCount(20, WAIT);
				Awaitility.await()
					.atMost(WAIT)
					.until(() -> TestPostgres.queryForString(dataSource, "SELECT count(*) FROM outbox").equals("0"));
				Awaitility.await()
					.atMost(WAIT)
					.until(() -> Probes.slotConfirmed(dataSource, target.slot()).compareTo(first.lsn()) >= 0);
				// each handler exactly once per message it takes, in order per key
				assertThat(broker.received()).extracting(OutboxMessage::id).containsExactlyInAnyOrderElementsOf(ids);
				assertThat(search.received()).extracting(OutboxMessage::id).containsExactlyInAnyOrderElementsOf(ids);
				assertThat(email.received()).extracting(OutboxMessage::id).containsExactlyInAnyOrderElementsOf(placed);
				for (RecordingPublisher handler : List.of(broker, search, email)) {
					Probes.firstDeliveriesByKey(handler.received())
						.values()
						.forEach((payloads) -> assertThat(payloads.stream().map(Probes::numberIn).toList()).isSorted());
				}
				assertThat(relay.handlerStatistics()).containsOnlyKeys("email", "broker", "search");
				assertThat(relay.handlerStatistics().get("email").publishFailures()).isPositive();
				assertThat(relay.handlerStatistics().get("broker").publishFailures()).isZero();
				assertThat(relay.handlerStatistics().get("search").delivered()).isEqualTo(60);
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				Awaitility.await()
					.atMost(WAIT)
					.until(() -> registry.find("outbox.messages.delivered").tag("handler", "email").counter() != null
							&& registry.find("outbox.messages.delivered")
								.tag("handler", "email")
								.counter()
								.count() == 20);
				assertThat(registry.get("outbox.messages.delivered").tag("handler", "broker").counter().count())
					.isEqualTo(60);
				assertThat(registry.get("outbox.publish.failures").tag("handler", "broker").counter().count()).isZero();
			});
	}

	@Test
	void aHandlerParksOnItsOwnAndAReplayRerunsOnlyThatHandler() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher broker = new RecordingPublisher();
		RecordingPublisher search = new RecordingPublisher();
		AtomicBoolean searchRefuses = new AtomicBoolean(true);
		search.setHook((message) -> {
			if (searchRefuses.get() && message.payload().equals("{\"n\":1}")) {
				throw new IllegalStateException("index refused it");
			}
		});
		OutboxContexts.runner(target)
			.withPropertyValues("outbox.delivery.retry.max-attempts=2")
			.withBean("broker", RecordingPublisher.class, () -> broker)
			.withBean("search", RecordingPublisher.class, () -> search)
			.run((context) -> {
				Relay relay = Probes.awaitState(context, RelayState.RUNNING, WAIT);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				UUID bad = outbox.publish("T", "bad", Map.of("n", 1));
				UUID next = outbox.publish("T", "bad", Map.of("n", 2));
				search.awaitMessage((message) -> message.id().equals(next), WAIT);
				broker.awaitMessage((message) -> message.id().equals(next), WAIT);
				Awaitility.await().atMost(WAIT).until(() -> relay.statistics().parked() == 1);
				DeadLetters deadLetters = context.getBean(DeadLetters.class);
				List<ParkedMessage> parked = deadLetters.list(0, 10);
				assertThat(parked).singleElement().satisfies((message) -> {
					assertThat(message.id()).isEqualTo(bad);
					assertThat(message.handler()).isEqualTo("search");
				});
				searchRefuses.set(false);
				assertThat(deadLetters.replay(bad)).isTrue();
				search.awaitMessage((message) -> message.id().equals(bad), WAIT);
				// the broker, which delivered it, is not called again
				UUID after = outbox.publish("T", "bad", Map.of("n", 3));
				broker.awaitMessage((message) -> message.id().equals(after), WAIT);
				search.awaitMessage((message) -> message.id().equals(after), WAIT);
				assertThat(broker.received()).extracting(OutboxMessage::id).containsExactly(bad, next, after);
				assertThat(search.received()).extracting(OutboxMessage::id).containsExactly(next, bad, after);
				assertThat(deadLetters.count()).isZero();
			});
	}

	@Test
	void withThreeHandlersOneFailingEveryTenthCallTheOthersDeliverEachMessageExactlyOnce() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher first = new RecordingPublisher();
		RecordingPublisher second = new RecordingPublisher();
		RecordingPublisher flaky = new RecordingPublisher();
		AtomicInteger calls = new AtomicInteger();
		flaky.setHook((message) -> {
			if (calls.incrementAndGet() % 10 == 0) {
				throw new IllegalStateException("every tenth call fails");
			}
		});
		OutboxContexts.runner(target)
			.withPropertyValues("outbox.delivery.retry.max-attempts=0")
			.withBean("first", RecordingPublisher.class, () -> first)
			.withBean("second", RecordingPublisher.class, () -> second)
			.withBean("flaky", RecordingPublisher.class, () -> flaky)
			.run((context) -> {
				Probes.awaitState(context, RelayState.RUNNING, WAIT);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				List<UUID> ids = new ArrayList<>();
				for (int batch = 0; batch < 10; batch++) {
					List<OutboundMessage> messages = new ArrayList<>();
					for (int i = 0; i < 100; i++) {
						int n = batch * 100 + i;
						messages.add(OutboundMessage.of("T", "key-" + (n % 16), Map.of("n", n)));
					}
					ids.addAll(outbox.publishAll(messages));
				}
				Awaitility.await().atMost(WAIT).until(() -> flaky.deliveredIds().containsAll(ids));
				first.awaitCount(ids.size(), WAIT);
				second.awaitCount(ids.size(), WAIT);
				assertThat(calls.get()).isGreaterThan(ids.size());
				for (RecordingPublisher handler : List.of(first, second)) {
					assertThat(handler.received()).extracting(OutboxMessage::id)
						.doesNotHaveDuplicates()
						.containsExactlyInAnyOrderElementsOf(ids);
				}
				assertThat(flaky.received().stream().map(OutboxMessage::id).collect(Collectors.toSet()))
					.hasSize(ids.size());
			});
	}

	@Test
	void anOldDeadLetterTableIsKeyedByHandlerAtStartup() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		TestPostgres.execute(target.database(), "CREATE TABLE outbox_dead_letters (id uuid NOT NULL PRIMARY KEY, "
				+ "type text NOT NULL, msg_key text NOT NULL, payload json NOT NULL, headers jsonb, "
				+ "committed_at timestamptz NOT NULL, lsn text NOT NULL, attempts integer NOT NULL, last_error text, "
				+ "parked_at timestamptz NOT NULL DEFAULT now())");
		OutboxContexts.runner(target)
			.withBean("broker", RecordingPublisher.class, RecordingPublisher::new)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(TestPostgres.queryForString(context.getBean(DataSource.class),
						"SELECT string_agg(a.attname, ',' ORDER BY a.attname) FROM pg_constraint c "
								+ "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
								+ "WHERE c.conrelid = 'outbox_dead_letters'::regclass AND c.contype = 'p'"))
					.isEqualTo("handler,id");
			});
	}

}
