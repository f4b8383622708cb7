package dev.pgoutbox.autoconfigure;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboundMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.testsupport.Committed;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With the pool handing out connections with auto-commit off
 * ({@code spring.datasource.hikari.auto-commit=false}), {@code publish} and
 * {@code publishAll} commit on their own outside a Spring transaction, so that the pool
 * does not roll the rows back, and inside one commit or roll back with it.
 */
class AutoCommitOffIntegrationTests {

	private static final MessagePublisher NO_OP = (message) -> {
	};

	private final OutboxContexts.Target target = OutboxContexts.newTarget();

	@Test
	void commitsOutsideATransaction() {
		runner(false).run((context) -> {
			assertThat(autoCommit(context)).as("auto-commit of the pool's connections").isFalse();
			publishThree(context.getBean(OutboxPublisher.class));
			assertThat(committedRows("outbox")).isEqualTo(3);
		});
	}

	@Test
	void rollsBackWithTheCallersTransaction() {
		runner(false).run((context) -> {
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
			transaction(context).executeWithoutResult((status) -> {
				jdbc.update("INSERT INTO account (name) VALUES ('rolled back')");
				publishThree(outbox);
				status.setRollbackOnly();
			});
			assertThat(committedRows("account")).isZero();
			assertThat(committedRows("outbox")).isZero();
		});
	}

	@Test
	void commitsWithTheCallersTransaction() {
		runner(false).run((context) -> {
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
			transaction(context).executeWithoutResult((status) -> {
				jdbc.update("INSERT INTO account (name) VALUES ('committed')");
				publishThree(outbox);
				// joined, not committed on their own: nothing is visible before the
				// commit
				assertThat(committedRows("outbox")).isZero();
			});
			assertThat(committedRows("account")).isEqualTo(1);
			assertThat(committedRows("outbox")).isEqualTo(3);
		});
	}

	@ParameterizedTest(name = "auto-commit {0}")
	@ValueSource(booleans = { true, false })
	void commitsOnAConnectionBoundWithoutATransactionAndRestoresItsAutoCommit(boolean autoCommit) {
		runner(autoCommit).run((context) -> {
			DataSource dataSource = context.getBean(DataSource.class);
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			TransactionTemplate supports = transaction(context);
			// SUPPORTS binds the connection to the thread for the scope, in no
			// transaction
			supports.setPropagationBehavior(TransactionDefinition.PROPAGATION_SUPPORTS);
			supports.executeWithoutResult((status) -> {
				Connection connection = DataSourceUtils.getConnection(dataSource);
				try {
					publishThree(outbox);
					assertThat(committedRows("outbox")).isEqualTo(3);
					assertThat(connection.getAutoCommit()).isEqualTo(autoCommit);
				}
				catch (SQLException ex) {
					throw new IllegalStateException(ex);
				}
				finally {
					DataSourceUtils.releaseConnection(connection, dataSource);
				}
			});
			assertThat(committedRows("outbox")).isEqualTo(3);
		});
	}

	private ApplicationContextRunner runner(boolean autoCommit) {
		TestPostgres.execute(this.target.database(), "CREATE TABLE account (name text)");
		return OutboxContexts.withoutRelay(OutboxContexts.runner(this.target))
			.withPropertyValues("spring.datasource.hikari.auto-commit=" + autoCommit)
			.withBean(MessagePublisher.class, () -> NO_OP);
	}

	/** One message through {@code publish}, two through {@code publishAll}. */
	private static void publishThree(OutboxPublisher outbox) {
		outbox.publish("T", "k", Map.of("n", 1));
		outbox.publishAll(
				List.of(OutboundMessage.of("T", "k", Map.of("n", 2)), OutboundMessage.of("T", "k", Map.of("n", 3))));
	}

	private static TransactionTemplate transaction(AssertableApplicationContext context) {
		return new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
	}

	private static boolean autoCommit(AssertableApplicationContext context) throws SQLException {
		try (Connection connection = context.getBean(DataSource.class).getConnection()) {
			return connection.getAutoCommit();
		}
	}

	/** Counts the rows another connection sees: what is committed. */
	private long committedRows(String table) {
		return Committed.rows(this.target, table);
	}

}
