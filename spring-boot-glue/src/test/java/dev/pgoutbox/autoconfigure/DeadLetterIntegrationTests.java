package dev.pgoutbox.autoconfigure;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.pgoutbox.DeadLetters;
import dev.pgoutbox.Lsn;
import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.ParkedMessage;
import dev.pgoutbox.deadletter.JdbcDeadLetters;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.schema.OutboxSchema;
import dev.pgoutbox.schema.OutboxSchemaException;
import dev.pgoutbox.schema.OutboxTable;
import dev.pgoutbox.schema.SqlIdentifier;
import dev.pgoutbox.testsupport.BootLine;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.RecordingPublisher;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dead letters end to end on a real PostgreSQL: a message that fails its last attempt is
 * parked, its key and the slot move on, and an operator replays or deletes it.
 */
@ExtendWith(OutputCaptureExtension.class)
class DeadLetterIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final String[] THREE_QUICK_ATTEMPTS = { "outbox.delivery.retry.max-attempts=3",
			"outbox.delivery.retry.initial-delay=10ms", "outbox.delivery.retry.max-delay=20ms" };

	private static final String SECRET = "s3cr3t-card-4111";

	@Test
	void parksAMessageAfterItsLastAttemptThenItsKeyTheOtherKeysAndTheSlotMoveOn(CapturedOutput output) {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		AtomicInteger poisonAttempts = new AtomicInteger();
		CountDownLatch otherKeyDelivered = new CountDownLatch(1);
		AtomicBoolean otherWentFirst = new AtomicBoolean();
		AtomicReference<UUID> poison = new AtomicReference<>();
		AtomicReference<String> handler = new AtomicReference<>();
		publisher.setHook((message) -> {
			if (message.type().equals("Other")) {
				otherKeyDelivered.countDown();
			}
			if (message.type().equals("Poison")) {
				if (poisonAttempts.incrementAndGet() == 2) {
					// written after the poison: it must not wait for the poison's retries
					otherWentFirst.set(otherKeyDelivered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
				}
				throw new IllegalStateException("broker rejected record " + message.payload());
			}
		});
		OutboxContexts.runner(target)
			.withPropertyValues(THREE_QUICK_ATTEMPTS)
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				awaitRunning(context);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				DeadLetters deadLetters = context.getBean(DeadLetters.class);
				poison.set(outbox.publish("Poison", "p", Map.of("card", SECRET)));
				UUID next = outbox.publish("Next", "p", Map.of("n", 2));
				UUID other = outbox.publish("Other", "o", Map.of("n", 1));

				publisher.awaitMessage((message) -> message.id().equals(next), WAIT);
				assertThat(otherKeyDelivered.getCount()).isZero();
				assertThat(otherWentFirst).as("the other key delivered during the poison's retries").isTrue();
				assertThat(poisonAttempts.get()).isEqualTo(3);
				assertThat(deadLetters.count()).isEqualTo(1);
				ParkedMessage parked = deadLetters.list(0, 10).get(0);
				handler.set(parked.handler());
				assertThat(parked.id()).isEqualTo(poison.get());
				assertThat(parked.type()).isEqualTo("Poison");
				assertThat(parked.key()).isEqualTo("p");
				assertThat(parked.payload()).contains(SECRET);
				assertThat(parked.attempts()).isEqualTo(3);
				assertThat(parked.lastError())
					.isEqualTo("java.lang.IllegalStateException: broker rejected record [payload]");
				assertThat(publisher.received()).extracting(OutboxMessage::id)
					.containsExactlyInAnyOrder(next, other)
					.doesNotContain(poison.get());

				DataSource dataSource = context.getBean(DataSource.class);
				Awaitility.await()
					.atMost(WAIT)
					.until(() -> slotConfirmed(dataSource, target.slot()).compareTo(parked.lsn()) > 0);
				Awaitility.await()
					.atMost(WAIT)
					.until(() -> TestPostgres.queryForString(dataSource, "SELECT count(*) FROM public.outbox"),
							"0"::equals);
			});
		assertThat(output).contains("Parked outbox message " + poison.get() + " (type 'Poison', key 'p') of handler '"
				+ handler.get()
				+ "' as a dead letter after 3 failed attempts; last error: java.lang.IllegalStateException: broker rejected record "
				+ "[payload]");
		assertThat(output).doesNotContain(SECRET);
	}

	@Test
	void replayDeliversAParkedMessageAgainWithItsIdAndDeleteRemovesOne() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		AtomicBoolean brokerRejects = new AtomicBoolean(true);
		publisher.setHook((message) -> {
			if (message.type().equals("Rejected") && brokerRejects.get()) {
				throw new IllegalStateException("rejected");
			}
		});
		OutboxContexts.runner(target)
			.withPropertyValues(THREE_QUICK_ATTEMPTS)
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				awaitRunning(context);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				DeadLetters deadLetters = context.getBean(DeadLetters.class);
				UUID first = outbox.publish("Rejected", "a", Map.of("n", 1), Map.of("trace", "t-1"));
				UUID second = outbox.publish("Rejected", "b", Map.of("n", 2));
				UUID third = outbox.publish("Rejected", "c", Map.of("n", 3));
				Awaitility.await().atMost(WAIT).until(deadLetters::count, (count) -> count == 3);

				List<ParkedMessage> all = deadLetters.list(0, 10);
				assertThat(all).extracting(ParkedMessage::id).containsExactlyInAnyOrder(first, second, third);
				assertThat(all).extracting(ParkedMessage::parkedAt).isSorted();
				assertThat(deadLetters.list(1, 1)).extracting(ParkedMessage::id).containsExactly(all.get(1).id());
				assertThat(deadLetters.list(3, 10)).isEmpty();
				assertThat(publisher.received()).isEmpty();

				brokerRejects.set(false);
				assertThat(deadLetters.replay(first)).isTrue();
				OutboxMessage replayed = publisher.awaitMessage((message) -> message.id().equals(first), WAIT);
				assertThat(replayed.type()).isEqualTo("Rejected");
				assertThat(replayed.key()).isEqualTo("a");
				assertThat(replayed.payload()).isEqualTo("{\"n\":1}");
				assertThat(replayed.headers()).containsExactly(Map.entry("trace", "t-1"));
				assertThat(deadLetters.replay(first)).as("no longer parked").isFalse();

				assertThat(deadLetters.delete(second)).isTrue();
				assertThat(deadLetters.delete(second)).isFalse();
				assertThat(deadLetters.count()).isEqualTo(1);
				assertThat(deadLetters.replayAll()).isEqualTo(1);
				publisher.awaitMessage((message) -> message.id().equals(third), WAIT);
				assertThat(deadLetters.count()).isZero();
				assertThat(publisher.received()).extracting(OutboxMessage::id).containsExactlyInAnyOrder(first, third);
			});
	}

	@Test
	void contributesDeadLettersAndBacksOffWhenTheUserDefinesThem() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		MessagePublisher noOp = (message) -> {
		};
		OutboxContexts.runner(target).withBean(MessagePublisher.class, () -> noOp).run((context) -> {
			assertThat(context).hasSingleBean(DeadLetters.class);
			assertThat(context.getBean(DeadLetters.class)).isInstanceOf(JdbcDeadLetters.class);
			assertThat(context.getBean(DeadLetters.class).count()).isZero();
		});
		DeadLetters own = new JdbcDeadLetters(new HikariDataSource(),
				new OutboxTable(SqlIdentifier.of("public", "outbox.schema"),
						SqlIdentifier.of("outbox", "outbox.table")),
				BootLine.json());
		OutboxContexts.runner(target)
			.withBean(MessagePublisher.class, () -> noOp)
			.withBean(DeadLetters.class, () -> own)
			.run((context) -> assertThat(context.getBean(DeadLetters.class)).isSameAs(own));
	}

	@Test
	void startupChecksThatTheDeadLetterTableExistsWhenTheSchemaIsManagedElsewhere() throws Exception {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		OutboxTable table = new OutboxTable(SqlIdentifier.of("public", "outbox.schema"),
				SqlIdentifier.of("outbox", "outbox.table"));
		try (HikariDataSource dataSource = TestPostgres.dataSource(target.database());
				Connection connection = dataSource.getConnection()) {
			new OutboxSchema(table, SqlIdentifier.of("outbox_pub", "outbox.replication.publication-name"))
				.create(connection);
			connection.createStatement().execute("DROP TABLE public.outbox_dead_letters");
		}
		OutboxContexts.runner(target)
			.withPropertyValues("outbox.initialize-schema=never")
			.withBean(MessagePublisher.class, () -> (message) -> {
			})
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(OutboxSchemaException.class)
				.hasMessageContaining("missing table \"public\".\"outbox_dead_letters\""));
	}

	@Test
	void rejectsATableNameWithNoRoomForTheDeadLetterSuffixNamingTheProperty() {
		OutboxContexts.runner(OutboxContexts.newTarget())
			.withPropertyValues("outbox.table=" + "t".repeat(51))
			.withBean(MessagePublisher.class, () -> (message) -> {
			})
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(OutboxStartupException.class)
				.hasMessageContaining("'outbox.table'")
				.hasMessageContaining("_dead_letters"));
	}

	static Relay awaitRunning(AssertableApplicationContext context) {
		OutboxRelayLifecycle lifecycle = context.getBean(OutboxRelayLifecycle.class);
		Awaitility.await()
			.atMost(WAIT)
			.until(() -> lifecycle.getRelay() != null && lifecycle.getRelay().state() == RelayState.RUNNING);
		return lifecycle.getRelay();
	}

	static Lsn slotConfirmed(DataSource dataSource, String slot) {
		String value = TestPostgres.queryForString(dataSource,
				"SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
		return (value != null) ? Lsn.valueOf(value) : Lsn.ZERO;
	}

}
