package dev.pgoutbox.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.Probes;
import dev.pgoutbox.testsupport.RecordingPublisher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker is down for many times the server's {@code wal_sender_timeout}, with far
 * more messages waiting than the buffer holds: memory stays bounded, the connection
 * survives or comes back, and every message arrives in order per key once the broker
 * returns.
 */
class BrokerOutageIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(90);

	private static final int BUFFER = 50;

	@Test
	void longOutageKeepsMemoryBoundedAndLosesNothing() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		AtomicBoolean brokerDown = new AtomicBoolean(true);
		AtomicInteger failedCalls = new AtomicInteger();
		publisher.setHook((message) -> {
			if (brokerDown.get()) {
				failedCalls.incrementAndGet();
				throw new IllegalStateException("broker unavailable");
			}
		});
		// the server drops a silent client after one second; the outage lasts six
		String url = target.url() + (target.url().contains("?") ? "&" : "?") + "options=-c%20wal_sender_timeout%3D1s";
		OutboxContexts.runner(target)
			.withPropertyValues("outbox.replication.url=" + url, "outbox.delivery.buffer-size=" + BUFFER,
					"outbox.delivery.concurrency=4", "outbox.delivery.retry.max-attempts=0",
					"outbox.replication.status-interval=10s")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Relay relay = Probes.awaitState(context, RelayState.RUNNING, WAIT);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				List<UUID> ids = new ArrayList<>();
				for (int i = 0; i < 1000; i++) {
					ids.add(outbox.publish("N", "key-" + (i % 10), Map.of("n", i)));
				}
				long outageEnds = System.nanoTime() + Duration.ofSeconds(6).toNanos();
				int maxHeld = 0;
				while (System.nanoTime() < outageEnds) {
					maxHeld = Math.max(maxHeld, relay.held());
					Awaitility.await().pollDelay(Duration.ofMillis(50)).until(() -> true);
				}
				assertThat(failedCalls.get()).isGreaterThan(0);
				assertThat(publisher.count()).isZero();
				assertThat(maxHeld).isLessThanOrEqualTo(BUFFER);
				brokerDown.set(false);

				Awaitility.await()
					.atMost(WAIT)
					.until(() -> publisher.received().stream().map(OutboxMessage::id).distinct().count() == ids.size());
				assertThat(publisher.received()).extracting(OutboxMessage::id).containsAll(ids);
				ReconnectIntegrationTests.assertEveryKeyInOrder(publisher);
				// what the README states: the server never dropped the relay, so nothing
				// came twice
				assertThat(relay.statistics().reconnects()).as("reconnects").isZero();
				assertThat(relay.lastError()).as("last connection failure").isNull();
				assertThat(publisher.count()).as("deliveries, duplicates included").isEqualTo(ids.size());
				System.out.printf(
						"RESULT broker-outage sent=%d delivered=%d duplicates=%d failed_calls=%d max_held=%d "
								+ "reconnected=%s%n",
						ids.size(), ids.size(), publisher.count() - ids.size(), failedCalls.get(), maxHeld,
						relay.lastError() != null);
			});
	}

}
