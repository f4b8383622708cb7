package dev.pgoutbox.autoconfigure.jpa;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboundMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.testsupport.BootLine;
import dev.pgoutbox.testsupport.Committed;
import dev.pgoutbox.testsupport.OutboxContexts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * A JPA application whose pool hands out connections with auto-commit off: outside a
 * transaction {@code publish} and {@code publishAll} commit on their own; inside a
 * {@code JpaTransactionManager} transaction they commit and roll back with the entity.
 */
class JpaAutoCommitOffIntegrationTests {

	private static final MessagePublisher NO_OP = (message) -> {
	};

	private final OutboxContexts.Target target = OutboxContexts.newTarget();

	@Test
	void commitsOutsideATransaction() {
		runner().run((context) -> {
			assertThat(context).hasNotFailed();
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			outbox.publish("T", "k", Map.of("n", 1));
			outbox.publishAll(List.of(OutboundMessage.of("T", "k", Map.of("n", 2)),
					OutboundMessage.of("T", "k", Map.of("n", 3))));
			assertThat(Committed.rows(this.target, "outbox")).isEqualTo(3);
		});
	}

	@Test
	void commitsAndRollsBackWithTheEntity() {
		runner().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean("transactionManager").getClass().getSimpleName())
				.isEqualTo("JpaTransactionManager");
			OrderService orders = context.getBean(OrderService.class);
			assertThatIllegalStateException().isThrownBy(() -> orders.place("declined", true));
			assertThat(Committed.rows(this.target, "purchase_order")).isZero();
			assertThat(Committed.rows(this.target, "outbox")).isZero();
			orders.place("book", false);
			assertThat(Committed.rows(this.target, "purchase_order")).isEqualTo(1);
			assertThat(Committed.rows(this.target, "outbox")).isEqualTo(1);
		});
	}

	@Test
	void publishAllCommitsAndRollsBackWithTheTransaction() {
		runner().run((context) -> {
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			TransactionTemplate transaction = new TransactionTemplate(
					context.getBean(PlatformTransactionManager.class));
			List<OutboundMessage> two = List.of(OutboundMessage.of("T", "k", Map.of("n", 1)),
					OutboundMessage.of("T", "k", Map.of("n", 2)));
			transaction.executeWithoutResult((status) -> {
				outbox.publishAll(two);
				status.setRollbackOnly();
			});
			assertThat(Committed.rows(this.target, "outbox")).isZero();
			transaction.executeWithoutResult((status) -> {
				outbox.publishAll(two);
				assertThat(Committed.rows(this.target, "outbox")).isZero();
			});
			assertThat(Committed.rows(this.target, "outbox")).isEqualTo(2);
		});
	}

	private ApplicationContextRunner runner() {
		return OutboxContexts.withoutRelay(OutboxContexts.runner(this.target))
			.withConfiguration(BootLine.jpa())
			.withUserConfiguration(JpaOutboxIntegrationTests.JpaApplication.class)
			.withPropertyValues("spring.jpa.hibernate.ddl-auto=create", "spring.jpa.open-in-view=false",
					"spring.datasource.hikari.auto-commit=false")
			.withBean(MessagePublisher.class, () -> NO_OP);
	}

}
