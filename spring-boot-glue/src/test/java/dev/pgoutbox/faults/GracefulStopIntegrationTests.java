package dev.pgoutbox.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.autoconfigure.OutboxRelayLifecycle;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.Probes;
import dev.pgoutbox.testsupport.RecordingPublisher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stops that come while publisher calls are under way: the stop keeps to
 * {@code outbox.shutdown-timeout} however many calls hang, and a clean stop in the middle
 * of a stream loses nothing and, after a restart, delivers nothing twice.
 */
class GracefulStopIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@Test
	void stopKeepsToTheShutdownTimeoutWhenSeveralKeysHangAndIgnoreInterruption() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger hanging = new AtomicInteger();
		RecordingPublisher publisher = new RecordingPublisher();
		publisher.setHook(RecordingPublisher.hangIgnoringInterruption(release, hanging));
		try {
			OutboxContexts.runner(target)
				.withPropertyValues("outbox.shutdown-timeout=2s")
				.withBean(MessagePublisher.class, () -> publisher)
				.run((context) -> {
					Probes.awaitState(context, RelayState.RUNNING, WAIT);
					OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
					for (int i = 0; i < 5; i++) {
						outbox.publish("T", "stuck-" + i, Map.of("n", i));
					}
					Awaitility.await().atMost(WAIT).until(() -> hanging.get() == 5);
					long started = System.nanoTime();
					context.getBean(OutboxRelayLifecycle.class).stop();
					Duration took = Duration.ofNanos(System.nanoTime() - started);
					// the README's bound: the timeout plus about a second for the
					// connection and
					// the stuck threads, with room for a slow machine; a wait per stuck
					// key (5 s
					// each) took 27 s here
					assertThat(took).isLessThan(Duration.ofSeconds(2 + 6));
				});
		}
		finally {
			release.countDown();
		}
	}

	@Test
	void aCleanStopWhilePublishesRunLosesNothingAndARestartDeliversNothingTwice() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		// a broker that takes a little time, so that calls are in flight when the stop
		// comes
		// a broker that takes a little time, and starts only once everything is written,
		// so
		// that the stop comes with calls in flight and most messages still unread
		CountDownLatch written = new CountDownLatch(1);
		publisher.setHook((message) -> {
			written.await();
			LockSupport.parkNanos(2_000_000);
		});
		List<UUID> ids = new ArrayList<>();
		OutboxContexts.runner(target)
			.withPropertyValues("outbox.delivery.concurrency=4", "outbox.delivery.buffer-size=50")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Probes.awaitState(context, RelayState.RUNNING, WAIT);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				for (int i = 0; i < 2000; i++) {
					ids.add(outbox.publish("T", "key-" + (i % 50), Map.of("n", i)));
				}
				written.countDown();
				Awaitility.await().atMost(WAIT).until(() -> publisher.count() >= 200);
				long started = System.nanoTime();
				context.getBean(OutboxRelayLifecycle.class).stop();
				// within the stated bound: the shutdown timeout (5 s here) plus about a
				// second,
				// with room for a slow machine
				assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5 + 6));
				assertThat(context.getBean(OutboxRelayLifecycle.class).isRunning()).isFalse();
			});
		int beforeRestart = publisher.count();
		assertThat(beforeRestart).isLessThan(ids.size());
		OutboxContexts.runner(target).withBean(MessagePublisher.class, () -> publisher).run((context) -> {
			Awaitility.await()
				.atMost(WAIT)
				.until(() -> publisher.received().stream().map(OutboxMessage::id).distinct().count() == ids.size());
			// nothing more is on its way: the restarted relay has confirmed everything
			Awaitility.await()
				.atMost(WAIT)
				.until(() -> Probes.slotConfirmed(context.getBean(javax.sql.DataSource.class), target.slot())
					.compareTo(Probes.currentWal(context.getBean(javax.sql.DataSource.class))) >= 0
						|| publisher.count() > ids.size());
		});
		assertThat(publisher.received()).extracting(OutboxMessage::id).containsExactlyInAnyOrderElementsOf(ids);
	}

}
