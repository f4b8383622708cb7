package dev.pgoutbox.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.pgoutbox.DeadLetters;
import dev.pgoutbox.Lsn;
import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.ParkedMessage;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.RecordingPublisher;

import static dev.pgoutbox.autoconfigure.DeadLetterIntegrationTests.awaitRunning;
import static dev.pgoutbox.autoconfigure.DeadLetterIntegrationTests.slotConfirmed;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Publisher failures on a real PostgreSQL: calls that hang past the publish timeout, that
 * throw errors or exceptions without a message, and a broker that stays down with no
 * attempt limit.
 */
class RetryIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	/** Released after each test, so that no hung call outlives it. */
	private final CountDownLatch endOfTest = new CountDownLatch(1);

	@AfterEach
	void releaseHungCalls() {
		this.endOfTest.countDown();
	}

	@Test
	void callHangingPastThePublishTimeoutIsInterruptedAndRetriedUntilItGoesThrough() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		AtomicBoolean hangLifted = new AtomicBoolean();
		AtomicInteger interrupted = new AtomicInteger();
		publisher.setHook((message) -> {
			if (message.key().equals("hang") && !hangLifted.get()) {
				try {
					this.endOfTest.await();
				}
				catch (InterruptedException ex) {
					interrupted.incrementAndGet();
					throw ex;
				}
			}
		});
		// a timeout every call must keep, the quick ones too: long enough for a slow
		// machine
		OutboxContexts.runner(target)
			.withPropertyValues("outbox.delivery.publish-timeout=1s", "outbox.delivery.retry.max-attempts=0")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				awaitRunning(context);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				UUID hung = outbox.publish("Slow", "hang", Map.of("n", 1));
				UUID after = outbox.publish("Slow", "hang", Map.of("n", 2));
				UUID other = outbox.publish("Fast", "other", Map.of("n", 3));
				publisher.awaitMessage((message) -> message.id().equals(other), WAIT);
				Awaitility.await().atMost(WAIT).until(() -> interrupted.get() >= 2);
				assertThat(publisher.received()).extracting(OutboxMessage::id).containsExactly(other);

				hangLifted.set(true);
				publisher.awaitMessage((message) -> message.id().equals(after), WAIT);
				assertThat(publisher.received()).extracting(OutboxMessage::id).containsExactly(other, hung, after);
				assertThat(context.getBean(DeadLetters.class).count()).isZero();
			});
	}

	@Test
	void callHangingOnEveryAttemptIsParkedWithATimeoutAsItsLastError() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		publisher.setHook((message) -> {
			if (message.type().equals("Hangs")) {
				this.endOfTest.await();
			}
		});
		OutboxContexts.runner(target)
			.withPropertyValues("outbox.delivery.publish-timeout=1s", "outbox.delivery.retry.max-attempts=2",
					"outbox.delivery.retry.initial-delay=10ms")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				awaitRunning(context);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				UUID hangs = outbox.publish("Hangs", "k", Map.of("n", 1));
				UUID next = outbox.publish("Next", "k", Map.of("n", 2));
				publisher.awaitMessage((message) -> message.id().equals(next), WAIT);
				DeadLetters deadLetters = context.getBean(DeadLetters.class);
				assertThat(deadLetters.list(0, 10)).singleElement().satisfies((parked) -> {
					assertThat(parked.id()).isEqualTo(hangs);
					assertThat(parked.attempts()).isEqualTo(2);
					assertThat(parked.lastError()).isEqualTo("dev.pgoutbox.PublishTimeoutException: "
							+ "MessagePublisher.publish did not return within 1000 ms");
				});
			});
	}

	@Test
	void errorsAndExceptionsWithoutMessageAreRetriedWhileTheRelayKeepsDeliveringOtherKeys() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		Map<String, AtomicInteger> failures = Map.of("error", new AtomicInteger(), "no-message", new AtomicInteger());
		publisher.setHook((message) -> {
			AtomicInteger failed = failures.get(message.key());
			if (failed != null && failed.get() < 3) {
				failed.incrementAndGet();
				if (message.key().equals("error")) {
					throw new Error("publisher bug");
				}
				throw new RuntimeException();
			}
		});
		OutboxContexts.runner(target)
			.withPropertyValues("outbox.delivery.retry.max-attempts=5", "outbox.delivery.concurrency=2")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Relay relay = awaitRunning(context);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				List<UUID> ids = new ArrayList<>();
				ids.add(outbox.publish("Failing", "error", Map.of("n", 0)));
				ids.add(outbox.publish("Failing", "no-message", Map.of("n", 0)));
				for (int i = 0; i < 30; i++) {
					ids.add(outbox.publish("Fine", "key-" + (i % 5), Map.of("n", i)));
				}
				publisher.awaitCount(ids.size(), WAIT);
				assertThat(failures.values()).allSatisfy((failed) -> assertThat(failed.get()).isEqualTo(3));
				// the delivery threads survived: later messages still flow
				UUID later = outbox.publish("Fine", "error", Map.of("n", 99));
				publisher.awaitMessage((message) -> message.id().equals(later), WAIT);
				assertThat(publisher.received()).extracting(OutboxMessage::id).containsAll(ids);
				assertThat(context.getBean(DeadLetters.class).count()).isZero();
				assertThat(relay.state()).isEqualTo(RelayState.RUNNING);
			});
	}

	@Test
	void withoutAnAttemptLimitAKeyWaitsThroughManyFailuresAndIsDeliveredOnceThePublisherRecovers() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		AtomicBoolean brokerDown = new AtomicBoolean(true);
		AtomicInteger failedCalls = new AtomicInteger();
		publisher.setHook((message) -> {
			if (message.key().equals("blocked") && brokerDown.get()) {
				failedCalls.incrementAndGet();
				throw new IllegalStateException("broker unavailable");
			}
		});
		OutboxContexts.runner(target)
			.withPropertyValues("outbox.delivery.retry.max-attempts=0", "outbox.delivery.retry.initial-delay=5ms",
					"outbox.delivery.retry.max-delay=10ms")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				awaitRunning(context);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				DataSource dataSource = context.getBean(DataSource.class);
				UUID first = outbox.publish("M", "blocked", Map.of("n", 1));
				UUID second = outbox.publish("M", "blocked", Map.of("n", 2));
				UUID free = outbox.publish("M", "free", Map.of("n", 3));
				publisher.awaitMessage((message) -> message.id().equals(free), WAIT);
				// many times the default attempt limit
				Awaitility.await().atMost(WAIT).until(() -> failedCalls.get() >= 50);
				Lsn confirmedDuringOutage = slotConfirmed(dataSource, target.slot());
				assertThat(publisher.received()).extracting(OutboxMessage::id).containsExactly(free);
				assertThat(context.getBean(DeadLetters.class).count()).isZero();

				brokerDown.set(false);
				publisher.awaitMessage((message) -> message.id().equals(second), WAIT);
				List<OutboxMessage> received = publisher.received();
				assertThat(received).extracting(OutboxMessage::id).containsExactly(free, first, second);
				assertThat(confirmedDuringOutage).as("the slot did not pass the blocked message")
					.isLessThanOrEqualTo(received.get(1).lsn());
				Awaitility.await()
					.atMost(WAIT)
					.until(() -> slotConfirmed(dataSource, target.slot()).compareTo(received.get(2).lsn()) > 0);
				assertThat(context.getBean(DeadLetters.class).list(0, 10)).extracting(ParkedMessage::id).isEmpty();
			});
	}

	@Test
	void rejectsANegativeAttemptLimitAndANonPositivePublishTimeoutNamingTheProperty() {
		MessagePublisher noOp = (message) -> {
		};
		OutboxContexts.runner(OutboxContexts.newTarget())
			.withPropertyValues("outbox.delivery.retry.max-attempts=-1")
			.withBean(MessagePublisher.class, () -> noOp)
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(OutboxStartupException.class)
				.hasMessageContaining("'outbox.delivery.retry.max-attempts'"));
		OutboxContexts.runner(OutboxContexts.newTarget())
			.withPropertyValues("outbox.delivery.publish-timeout=0s")
			.withBean(MessagePublisher.class, () -> noOp)
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(OutboxStartupException.class)
				.hasMessageContaining("'outbox.delivery.publish-timeout'"));
	}

}
