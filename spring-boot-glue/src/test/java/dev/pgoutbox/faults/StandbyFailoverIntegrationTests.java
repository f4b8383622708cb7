package dev.pgoutbox.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import dev.pgoutbox.MessagePublisher;
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
 * Two application instances on one slot: one serves it, the other stands by and takes
 * over when the first stops or loses its session.
 */
class StandbyFailoverIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@Test
	void secondInstanceStandsByAndTakesOverAfterACleanStop() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher first = new RecordingPublisher();
		RecordingPublisher second = new RecordingPublisher();
		ApplicationContextRunner runner = OutboxContexts.runner(target);
		runner.withBean(MessagePublisher.class, () -> first).run((active) -> {
			Probes.awaitState(active, RelayState.RUNNING, WAIT);
			runner.withBean(MessagePublisher.class, () -> second).run((standby) -> {
				Probes.awaitState(standby, RelayState.STANDBY, WAIT);
				OutboxPublisher outbox = standby.getBean(OutboxPublisher.class);
				List<UUID> ids = new ArrayList<>();
				for (int i = 0; i < 100; i++) {
					ids.add(outbox.publish("N", "k", Map.of("n", i)));
				}
				first.awaitCount(100, WAIT);
				assertThat(second.count()).isZero();

				((ConfigurableApplicationContext) active.getSourceApplicationContext()).close();
				Probes.awaitState(standby, RelayState.RUNNING, WAIT);
				for (int i = 100; i < 200; i++) {
					ids.add(outbox.publish("N", "k", Map.of("n", i)));
				}
				second.awaitCount(100, WAIT);
				assertThat(first.received()).extracting(OutboxMessage::id)
					.containsExactlyElementsOf(ids.subList(0, 100));
				// a clean stop confirmed everything: the new instance delivers only the
				// new messages
				assertThat(second.received()).extracting(OutboxMessage::id)
					.containsExactlyElementsOf(ids.subList(100, 200));
			});
		});
	}

	@Test
	void standbyTakesOverWhenTheActiveInstanceLosesItsSessions() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher first = new RecordingPublisher();
		RecordingPublisher second = new RecordingPublisher();
		ApplicationContextRunner runner = OutboxContexts.runner(target);
		runner.withBean(MessagePublisher.class, () -> first).run((one) -> {
			Relay relayOne = Probes.awaitState(one, RelayState.RUNNING, WAIT);
			runner.withBean(MessagePublisher.class, () -> second).run((two) -> {
				Relay relayTwo = Probes.awaitState(two, RelayState.STANDBY, WAIT);
				OutboxPublisher outbox = two.getBean(OutboxPublisher.class);
				DataSource dataSource = two.getBean(DataSource.class);
				List<UUID> ids = new ArrayList<>();
				for (int i = 0; i < 300; i++) {
					ids.add(outbox.publish("N", "key-" + (i % 3), Map.of("n", i)));
					if (i == 150) {
						// what a dead process leaves behind: its sessions end, as after
						// kill -9
						TestPostgres.queryForString(dataSource, "SELECT count(pg_terminate_backend(pid)) "
								+ "FROM pg_stat_activity WHERE application_name = 'outbox-relay' AND datname = current_database()");
					}
				}
				Awaitility.await().atMost(WAIT).until(() -> delivered(first, second).containsAll(ids));
				// exactly one instance streams afterwards, the other stands by
				Awaitility.await()
					.atMost(WAIT)
					.until(() -> Set.of(relayOne.state(), relayTwo.state())
						.equals(Set.of(RelayState.RUNNING, RelayState.STANDBY)));
				List<OutboxMessage> all = new ArrayList<>(first.received());
				all.addAll(second.received());
				Probes.firstDeliveriesByKey(all).forEach((key, payloads) -> assertThat(payloads).hasSize(100));
			});
		});
	}

	private static Set<UUID> delivered(RecordingPublisher... publishers) {
		Set<UUID> ids = new HashSet<>();
		for (RecordingPublisher publisher : publishers) {
			publisher.received().forEach((message) -> ids.add(message.id()));
		}
		return ids;
	}

}
