package dev.pgoutbox.faults;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's "a restart after a clean stop delivers no duplicates", with the server
 * restarted in between (a fast shutdown). Before PostgreSQL 17 the server does not save a
 * slot's confirmed position at its shutdown checkpoint, so the relay's own record of it
 * is what keeps this true; the compatibility run checks it on PostgreSQL 14 to 16.
 */
class CleanStopServerRestartIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@Test
	void aCleanStopThenAServerRestartDeliversNothingAgain() {
		try (DedicatedPostgres server = DedicatedPostgres.start(Map.of())) {
			RecordingPublisher first = new RecordingPublisher();
			Set<UUID> delivered = new HashSet<>();
			OutboxContexts.runner(server.jdbcUrl(), "postgres", null, "clean_stop_slot")
				.withBean(MessagePublisher.class, () -> first)
				.run((context) -> {
					Probes.awaitState(context, RelayState.RUNNING, WAIT);
					OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
					for (int i = 0; i < 300; i++) {
						delivered.add(outbox.publish("N", "key-" + (i % 10), Map.of("n", i)));
					}
					Awaitility.await()
						.atMost(WAIT)
						.until(() -> first.received().stream().map(OutboxMessage::id).distinct().count() == 300);
				});
			server.restart();
			RecordingPublisher second = new RecordingPublisher();
			OutboxContexts.runner(server.jdbcUrl(), "postgres", null, "clean_stop_slot")
				.withBean(MessagePublisher.class, () -> second)
				.run((context) -> {
					Probes.awaitState(context, RelayState.RUNNING, WAIT);
					OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
					Set<UUID> markers = new HashSet<>();
					for (int i = 0; i < 10; i++) {
						markers.add(outbox.publish("N", "key-" + i, Map.of("n", 300 + i)));
					}
					// a key's earlier messages, were they read again, would come before
					// its marker
					Awaitility.await()
						.atMost(WAIT)
						.until(() -> second.received().stream().map(OutboxMessage::id).toList().containsAll(markers));
					assertThat(second.received()).extracting(OutboxMessage::id).doesNotContainAnyElementsOf(delivered);
				});
		}
	}

}
