package dev.pgoutbox.faults;

import java.time.Duration;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.autoconfigure.OutboxRelayLifecycle;
import dev.pgoutbox.autoconfigure.health.OutboxHealthContributorAutoConfiguration;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.BootLine;
import dev.pgoutbox.testsupport.DedicatedPostgres;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.Probes;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What health says through a database outage and a stop, as a probe would see it: DOWN
 * while the database is unreachable and the relay reconnects, UP once it streams again,
 * OUT_OF_SERVICE once stopped.
 */
class HealthStatesIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	private static final MessagePublisher NO_OP = (message) -> {
	};

	@Test
	void downWhileTheDatabaseIsUnreachableUpWhenItIsBackOutOfServiceWhenStopped() {
		try (DedicatedPostgres server = DedicatedPostgres.start(Map.of())) {
			OutboxContexts.runner(server.jdbcUrl(), "postgres", null, "health_slot")
				.withConfiguration(BootLine.actuator())
				.withConfiguration(AutoConfigurations.of(OutboxHealthContributorAutoConfiguration.class))
				.withPropertyValues("outbox.health.timeout=1s")
				.withBean(MessagePublisher.class, () -> NO_OP)
				.run((context) -> {
					Probes.awaitState(context, RelayState.RUNNING, WAIT);
					Awaitility.await().atMost(WAIT).until(() -> BootLine.health(context).status().equals("UP"));

					server.stop();
					Awaitility.await()
						.atMost(WAIT)
						.until(() -> BootLine.health(context).status().equals("DOWN")
								&& "reconnecting".equals(BootLine.health(context).details().get("state")));

					server.start();
					Probes.awaitState(context, RelayState.RUNNING, WAIT);
					Awaitility.await().atMost(WAIT).until(() -> BootLine.health(context).status().equals("UP"));

					context.getBean(OutboxRelayLifecycle.class).stop();
					assertThat(BootLine.health(context).status()).isEqualTo("OUT_OF_SERVICE");
				});
		}
	}

}
