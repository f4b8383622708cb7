package dev.pgoutbox.testsupport;

import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jackson.JacksonAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.pgoutbox.autoconfigure.OutboxAutoConfiguration;

/**
 * Application contexts wired as a Spring Boot application would be, on a database of
 * their own on the shared test PostgreSQL.
 */
public final class OutboxContexts {

	private static final AtomicInteger slots = new AtomicInteger();

	private OutboxContexts() {
	}

	/** A fresh database and a slot name no other test uses. */
	public record Target(String database, String slot) {

		public String url() {
			return TestPostgres.server().jdbcUrl(this.database);
		}

	}

	public static Target newTarget() {
		return new Target(TestPostgres.createDatabase(),
				"slot_" + slots.incrementAndGet() + "_" + ProcessHandle.current().pid());
	}

	/**
	 * A runner with JDBC, transactions, Jackson and the outbox, pointed at the target,
	 * with short intervals so that tests run quickly.
	 */
	public static ApplicationContextRunner runner(Target target) {
		ApplicationContextRunner runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
					DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
					JacksonAutoConfiguration.class, OutboxAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=" + target.url(),
					"spring.datasource.username=" + TestPostgres.server().username(),
					"outbox.replication.slot-name=" + target.slot(), "outbox.replication.status-interval=200ms",
					"outbox.delivery.retry.initial-delay=20ms", "outbox.delivery.retry.max-delay=200ms",
					"outbox.cleanup.interval=100ms", "outbox.shutdown-timeout=5s");
		String password = TestPostgres.server().password();
		return (password != null) ? runner.withPropertyValues("spring.datasource.password=" + password) : runner;
	}

}
