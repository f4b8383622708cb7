package dev.pgoutbox.autoconfigure;

import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
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
 * the transaction is written; text PostgreSQL would refuse or store changed is refused
 * before anything is sent.
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

	@Test
	void rejectsTextThePostgresqlDriverWouldChangeOrTheServerRefuse() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		TestPostgres.execute(target.database(), "CREATE TABLE account (name text)");
		runner(target).run((context) -> {
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			Map<String, Object> payload = Map.of("n", 1);
			assertRejected(context, () -> outbox.publish("T\uD800", "k", payload),
					"'type' must not contain a lone UTF-16 surrogate (at index 1)");
			assertRejected(context, () -> outbox.publish("T", "a\uD800b", payload),
					"'key' must not contain a lone UTF-16 surrogate (at index 1)");
			assertRejected(context, () -> outbox.publish("T", "\uDC00k", payload),
					"'key' must not contain a lone UTF-16 surrogate (at index 0)");
			assertRejected(context, () -> outbox.publish("T", "k", Map.of("text", "a\uD800b")),
					"The payload of a message of type 'T' must not contain a lone UTF-16 surrogate");
			assertRejected(context, () -> outbox.publish("T", "k", Map.of("ends with\uD83D", 1)),
					"The payload of a message of type 'T' must not contain a lone UTF-16 surrogate");
			assertRejected(context, () -> outbox.publish("T", "k", payload, Map.of("h\uD800", "v")),
					"A header name of a message of type 'T' must not contain a lone UTF-16 surrogate");
			assertRejected(context, () -> outbox.publish("T", "k", payload, Map.of("h", "v\uDFFF")),
					"The value of header 'h' of a message of type 'T' must not contain a lone UTF-16 surrogate");
			assertRejected(context, () -> outbox.publish("T", "k", payload, Map.of("h\0", "v")),
					"A header name of a message of type 'T' must not contain the NUL character");
			assertRejected(context, () -> outbox.publish("T", "k", payload, Map.of("h", "a\0b")),
					"The value of header 'h' of a message of type 'T' must not contain the NUL character");
			assertRejected(context, () -> outbox.publish("T", "k", payload, Map.of(" ", "v")),
					"Header names of a message of type 'T' must not be blank");
			assertRejected(context,
					() -> outbox.publishAll(List.of(OutboundMessage.of("T", "k", payload),
							OutboundMessage.of("T", "k", payload).withHeader("h", "\uD800"))),
					"The value of header 'h' of a message of type 'T' must not contain a lone UTF-16 surrogate");
			assertThat(count(context, "account")).isZero();
			assertThat(count(context, "outbox")).isZero();
		});
	}

	@Test
	void aRefusedHeaderLeavesTheCallersTransactionUsable() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		TestPostgres.execute(target.database(), "CREATE TABLE account (name text)");
		runner(target).run((context) -> {
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
			new TransactionTemplate(context.getBean(PlatformTransactionManager.class))
				.executeWithoutResult((status) -> {
					jdbc.update("INSERT INTO account (name) VALUES ('before')");
					assertThatExceptionOfType(OutboxWriteException.class)
						.isThrownBy(() -> outbox.publish("T", "k", Map.of("n", 1), Map.of("h", "a\0b")));
					// refused before the insert: PostgreSQL's refusal would abort the
					// transaction
					jdbc.update("INSERT INTO account (name) VALUES ('after')");
					outbox.publish("T", "k", Map.of("n", 2));
				});
			assertThat(count(context, "account")).isEqualTo(2);
			assertThat(count(context, "outbox")).isEqualTo(1);
		});
	}

	@Test
	void storesSurrogatePairsIntactAndCountsTheirUtf8Bytes() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		TestPostgres.execute(target.database(), "CREATE TABLE account (name text)");
		runner(target).run((context) -> {
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			// an emoji takes 4 bytes in UTF-8, é 2 and € 3: 900 bytes, 908 in {"s":"…"}
			String text = "\uD83D\uDE00".repeat(100) + "\u00E9".repeat(100) + "\u20AC".repeat(100);
			outbox.publish("T", "k\uD83D\uDE00", Map.of("s", text + "x".repeat(116)));
			assertRejected(context, () -> outbox.publish("T", "k", Map.of("s", text + "x".repeat(117))),
					"is larger than 1024 bytes (outbox.max-payload-size): its JSON takes 1025 bytes");
			outbox.publish("T", "h", Map.of("n", 1), Map.of("h", "\uD83D\uDE00"));
			DataSource dataSource = context.getBean(DataSource.class);
			assertThat(TestPostgres.queryForString(dataSource, "SELECT payload->>'s' FROM outbox WHERE msg_key <> 'h'"))
				.isEqualTo(text + "x".repeat(116));
			assertThat(TestPostgres.queryForString(dataSource, "SELECT msg_key FROM outbox WHERE msg_key <> 'h'"))
				.isEqualTo("k\uD83D\uDE00");
			assertThat(TestPostgres.queryForString(dataSource, "SELECT headers->>'h' FROM outbox WHERE msg_key = 'h'"))
				.isEqualTo("\uD83D\uDE00");
		});
	}

	@Test
	void countsHeadersInTheMaxPayloadSize() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		TestPostgres.execute(target.database(), "CREATE TABLE account (name text)");
		runner(target).run((context) -> {
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			// {"s":"x…"} is 8 bytes plus the x's; {"h":"v"} is 9 bytes: 1024 in all
			outbox.publish("T", "k", Map.of("s", "x".repeat(1007)), Map.of("h", "v"));
			assertRejected(context, () -> outbox.publish("T", "k", Map.of("s", "x".repeat(1008)), Map.of("h", "v")),
					"The payload and headers of a message of type 'T' are larger than 1024 bytes "
							+ "(outbox.max-payload-size), which counts both: the payload's JSON takes 1016 bytes, "
							+ "the headers' JSON 9");
			assertRejected(context,
					() -> outbox.publishAll(List.of(OutboundMessage.of("T", "k", Map.of("s", "x".repeat(16)))
						.withHeader("h", "v".repeat(1000)))),
					"The payload and headers of a message of type 'T' are larger than 1024 bytes");
			assertThat(count(context, "account")).isZero();
			assertThat(count(context, "outbox")).isEqualTo(1);
		});
	}

	private static ApplicationContextRunner runner(OutboxContexts.Target target) {
		return OutboxContexts.withoutRelay(OutboxContexts.runner(target))
			.withPropertyValues("outbox.max-payload-size=1KB")
			.withBean(MessagePublisher.class, () -> NO_OP);
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
