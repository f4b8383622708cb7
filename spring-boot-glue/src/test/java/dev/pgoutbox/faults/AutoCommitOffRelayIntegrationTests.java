package dev.pgoutbox.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboundMessage;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.Committed;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.Probes;
import dev.pgoutbox.testsupport.RecordingPublisher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The relay's own writes on a pool that hands out connections with auto-commit off: the
 * cleanup of delivered rows, the slot records and the instances' heartbeats commit,
 * rather than being rolled back when their connections go back to the pool.
 */
class AutoCommitOffRelayIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@Test
	void deliveredRowsAreDeletedAndTheSlotRecordKept() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		OutboxContexts.runner(target)
			.withPropertyValues("spring.datasource.hikari.auto-commit=false")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Probes.awaitState(context, RelayState.RUNNING, WAIT);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				List<UUID> ids = new ArrayList<>();
				for (int i = 0; i < 20; i++) {
					ids.add(outbox.publish("T", "k", Map.of("n", i)));
				}
				Awaitility.await()
					.atMost(WAIT)
					.until(() -> publisher.received().stream().map(OutboxMessage::id).toList().containsAll(ids));
				Awaitility.await().atMost(WAIT).until(() -> Committed.rows(target, "outbox") == 0);
				// the slot's record: the backlog read finished, and committed as such
				assertThat(Committed.rows(target, "outbox_slots")).isEqualTo(1);
			});
	}

	@Test
	void partitionedInstancesHeartbeatAndServe() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		OutboxContexts.runner(target)
			.withPropertyValues("spring.datasource.hikari.auto-commit=false", "outbox.partitions=a,b",
					"outbox.membership.heartbeat-interval=200ms", "outbox.membership.instance-timeout=2s")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				UUID a = context.getBean(OutboxPublisher.class)
					.publish(OutboundMessage.of("T", "k", Map.of()).inPartition("a"));
				publisher.awaitMessage((message) -> message.id().equals(a), WAIT);
				assertThat(Committed.rows(target, "outbox_instances")).isEqualTo(1);
			});
	}

}
