package dev.pgoutbox.store;

import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

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
 * The WAL store with the pool handing out connections with auto-commit off: a call that
 * returns has committed its messages, and in the caller's transaction they commit or roll
 * back with it. Counted by a slot of the test's own, which decodes only committed
 * messages.
 */
class WalAutoCommitOffIntegrationTests {

	private static final String PREFIX = "outbox:public.outbox";

	private static final MessagePublisher NO_OP = (message) -> {
	};

	private final OutboxContexts.Target target = OutboxContexts.newTarget();

	@Test
	void refusesToWriteWhileTheOutboxsSlotDoesNotExist() {
		OutboxContexts.withoutRelay(OutboxContexts.runner(this.target))
			.withPropertyValues("outbox.store=wal")
			.withBean(MessagePublisher.class, () -> NO_OP)
			.run((context) -> assertThatExceptionOfType(OutboxWriteException.class)
				.isThrownBy(() -> context.getBean(OutboxPublisher.class).publish("T", "k", Map.of("n", 1)))
				.withMessageContaining("not all of them exist yet"));
	}

	@Test
	void commitsOutsideATransaction() {
		runner().run((context) -> {
			publishThree(context.getBean(OutboxPublisher.class));
			assertThat(committedMessages()).isEqualTo(3);
		});
	}

	@Test
	void commitsAndRollsBackWithTheCallersTransaction() {
		runner().run((context) -> {
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
			TransactionTemplate transaction = new TransactionTemplate(
					context.getBean(PlatformTransactionManager.class));
			transaction.executeWithoutResult((status) -> {
				jdbc.update("INSERT INTO account (name) VALUES ('rolled back')");
				publishThree(outbox);
				status.setRollbackOnly();
			});
			assertThat(committedMessages()).isZero();
			transaction.executeWithoutResult((status) -> {
				jdbc.update("INSERT INTO account (name) VALUES ('committed')");
				publishThree(outbox);
			});
			assertThat(Committed.rows(this.target, "account")).isEqualTo(1);
			assertThat(committedMessages()).isEqualTo(3);
			assertThat(Committed.rows(this.target, "outbox")).isZero();
		});
	}

	private ApplicationContextRunner runner() {
		TestPostgres.execute(this.target.database(), "CREATE TABLE account (name text)");
		// the outbox's own slot, as its start creates it; the relay stays off
		TestPostgres.execute(this.target.database(),
				"SELECT pg_create_logical_replication_slot('" + this.target.slot() + "', 'pgoutput')");
		TestPostgres.execute(this.target.database(),
				"SELECT pg_create_logical_replication_slot('" + this.target.slot() + "_peek', 'pgoutput')");
		return OutboxContexts.withoutRelay(OutboxContexts.runner(this.target))
			.withPropertyValues("outbox.store=wal", "spring.datasource.hikari.auto-commit=false")
			.withBean(MessagePublisher.class, () -> NO_OP);
	}

	private long committedMessages() {
		return Committed.walMessages(this.target, this.target.slot() + "_peek", PREFIX);
	}

	/** One message through {@code publish}, two through {@code publishAll}. */
	private static void publishThree(OutboxPublisher outbox) {
		outbox.publish("T", "k", Map.of("n", 1));
		outbox.publishAll(
				List.of(OutboundMessage.of("T", "k", Map.of("n", 2)), OutboundMessage.of("T", "k", Map.of("n", 3))));
	}

}
