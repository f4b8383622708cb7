package dev.pgoutbox.autoconfigure;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboundMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.OutboxWriteException;
import dev.pgoutbox.testsupport.Committed;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@code publishAll} outside a transaction writes all of its messages or none, whether
 * the pool hands out connections with auto-commit on or off.
 */
class PublishAllIntegrationTests {

	private static final MessagePublisher NO_OP = (message) -> {
	};

	private final OutboxContexts.Target target = OutboxContexts.newTarget();

	@ParameterizedTest(name = "auto-commit {0}")
	@ValueSource(booleans = { true, false })
	void writesNoneWhenOneMessageIsInvalid(boolean autoCommit) {
		runner(autoCommit).run((context) -> {
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			assertThatExceptionOfType(OutboxWriteException.class)
				.isThrownBy(() -> outbox.publishAll(List.of(message("a", 1), message("b", 2), message(" ", 3))))
				.withMessageContaining("'key' must not be null or blank");
			assertThat(Committed.rows(this.target, "outbox")).isZero();
		});
	}

	@ParameterizedTest(name = "auto-commit {0}")
	@ValueSource(booleans = { true, false })
	void writesNoneWhenTheDatabaseRefusesOneMidBatch(boolean autoCommit) {
		runner(autoCommit).run((context) -> {
			// the third row breaks a constraint after the first two were inserted
			TestPostgres.execute(this.target.database(),
					"ALTER TABLE outbox ADD CONSTRAINT one_message_per_key UNIQUE (msg_key)");
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			assertThatExceptionOfType(OutboxWriteException.class)
				.isThrownBy(() -> outbox.publishAll(List.of(message("a", 1), message("b", 2), message("a", 3))))
				.withMessageContaining("Could not write 3 outbox message(s)");
			assertThat(Committed.rows(this.target, "outbox")).isZero();
			// the connection went back to the pool clean: the next call writes
			outbox.publishAll(List.of(message("c", 4), message("d", 5)));
			assertThat(Committed.rows(this.target, "outbox")).isEqualTo(2);
		});
	}

	private ApplicationContextRunner runner(boolean autoCommit) {
		return OutboxContexts.withoutRelay(OutboxContexts.runner(this.target))
			.withPropertyValues("spring.datasource.hikari.auto-commit=" + autoCommit)
			.withBean(MessagePublisher.class, () -> NO_OP);
	}

	private static OutboundMessage message(String key, int n) {
		return OutboundMessage.of("T", key, Map.of("n", n));
	}

}
