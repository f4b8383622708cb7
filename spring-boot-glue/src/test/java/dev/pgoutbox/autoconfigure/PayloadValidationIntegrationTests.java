package dev.pgoutbox.autoconfigure;

import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboundMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.OutboxWriteException;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Bad messages fail at {@code publish}, inside the caller's transaction, and nothing of
 * the transaction is written.
 */
class PayloadValidationIntegrationTests {

	private static final MessagePublisher NO_OP = (message) -> {
	};

	@Test
	void rejectsEachBadMessageInsideTheTransactionAndWritesNothing() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		TestPostgres.execute(target.database(), "CREATE TABLE account (name text)");
		OutboxContexts.withoutRelay(OutboxContexts.runner(target))
			.withPropertyValues("outbox.max-payload-size=1KB")
			.withBean(MessagePublisher.class, () -> NO_OP)
			.run((context) -> {
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				assertRejected(context, () -> outbox.publish(null, "k", Map.of()), "'type' must not be null or blank");
				assertRejected(context, () -> outbox.publish("T", "", Map.of()), "'key' must not be null or blank");
				assertRejected(context, () -> outbox.publish("T", null, Map.of()), "'key' must not be null or blank");
				assertRejected(context, () -> outbox.publish("T", "k", null), "'payload' of a message of type 'T'");
				assertRejected(context, () -> outbox.publish("T", "k", Map.of("big", "x".repeat(2000))),
						"larger than 1024 bytes (outbox.max-payload-size)");
				assertRejected(context, () -> outbox.publish("T", "k", new Unserializable()),
						"could not be serialized to JSON");
				assertRejected(context, () -> outbox.publishAll(List.of(OutboundMessage.of("T", "k", Map.of("n", 1)),
						OutboundMessage.of("T", " ", Map.of("n", 2)))), "'key' must not be null or blank");
				assertThat(count(context, "account")).isZero();
				assertThat(count(context, "outbox")).isZero();
			});
	}

	private static void assertRejected(AssertableApplicationContext context, Runnable publish, String message) {
		TransactionTemplate transaction = new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
		JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
		assertThatExceptionOfType(OutboxWriteException.class)
			.isThrownBy(() -> transaction.executeWithoutResult((status) -> {
				jdbc.update("INSERT INTO account (name) VALUES ('written with a bad message')");
				publish.run();
			}))
			.withMessageContaining(message);
	}

	private static long count(AssertableApplicationContext context, String table) {
		return Long
			.parseLong(TestPostgres.queryForString(context.getBean(DataSource.class), "SELECT count(*) FROM " + table));
	}

	/** A payload Jackson cannot serialize: its getter throws. */
	static class Unserializable {

		public String getValue() {
			throw new IllegalStateException("no value");
		}

	}

}
