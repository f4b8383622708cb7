package dev.pgoutbox.testsupport;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.pgoutbox.autoconfigure.OutboxAutoConfiguration;
import dev.pgoutbox.autoconfigure.OutboxRelayLifecycle;

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
		return runner(target.url(), TestPostgres.server().username(), TestPostgres.server().password(), target.slot());
	}

	/**
	 * The runner with the relay kept from starting: the application writes, nothing
	 * reads.
	 */
	public static ApplicationContextRunner withoutRelay(ApplicationContextRunner runner) {
		return runner.withBean("outboxRelayLifecycle", OutboxRelayLifecycle.class,
				() -> new OutboxRelayLifecycle(() -> null, Duration.ZERO) {
					@Override
					public void start() {
					}
				});
	}

	/**
	 * A runner like {@link #runner(Target)} on any server.
	 */
	public static ApplicationContextRunner runner(String url, String username, String password, String slot) {
		ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(BootLine.jdbc())
			.withConfiguration(AutoConfigurations.of(OutboxAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=" + url, "spring.datasource.username=" + username,
					"spring.datasource.hikari.connection-timeout=5000", "outbox.replication.slot-name=" + slot,
					"outbox.replication.status-interval=200ms", "outbox.replication.reconnect-max-delay=1s",
					"outbox.delivery.retry.initial-delay=20ms", "outbox.delivery.retry.max-delay=200ms",
					"outbox.cleanup.interval=100ms", "outbox.shutdown-timeout=5s");
		return (password != null) ? runner.withPropertyValues("spring.datasource.password=" + password) : runner;
	}

}
