package dev.pgoutbox.autoconfigure;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.BootLine;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.Probes;
import dev.pgoutbox.testsupport.RecordingPublisher;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The replication connection follows Boot's {@link JdbcConnectionDetails}, as
 * {@code @ServiceConnection} and Docker Compose define them, with no
 * {@code spring.datasource.*} at all, and asks them for the login at each connection, so
 * that rotated credentials reach the relay when it reconnects.
 */
class ConnectionDetailsIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@Test
	void opensTheReplicationConnectionFromTheConnectionDetailsAndAsksForTheLoginAtEachConnection() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		CountingDetails details = new CountingDetails(target.url(), TestPostgres.server().username(),
				TestPostgres.server().password());
		RecordingPublisher publisher = new RecordingPublisher();
		new ApplicationContextRunner().withConfiguration(BootLine.jdbc())
			.withConfiguration(AutoConfigurations.of(OutboxAutoConfiguration.class))
			.withBean(JdbcConnectionDetails.class, () -> details)
			.withBean(MessagePublisher.class, () -> publisher)
			.withPropertyValues("outbox.replication.slot-name=" + target.slot(),
					"outbox.replication.reconnect-max-delay=1s")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				Probes.awaitState(context, RelayState.RUNNING, WAIT);
				int asked = details.passwordReads.get();
				assertThat(asked).isPositive();

				DataSource dataSource = context.getBean(DataSource.class);
				assertThat(TestPostgres.queryForString(dataSource,
						"SELECT count(pg_terminate_backend(active_pid)) FROM pg_replication_slots WHERE slot_name = '"
								+ target.slot() + "' AND active_pid IS NOT NULL"))
					.isEqualTo("1");
				UUID id = context.getBean(OutboxPublisher.class).publish("T", "k", Map.of("n", 1));
				publisher.awaitMessage((message) -> message.id().equals(id), WAIT);
				// the reconnection asked the details again rather than reusing a login
				// read at startup
				Awaitility.await().atMost(WAIT).until(() -> details.passwordReads.get() > asked);
			});
	}

	/** Connection details that count how often the password is asked for. */
	static final class CountingDetails implements JdbcConnectionDetails {

		final AtomicInteger passwordReads = new AtomicInteger();

		private final String url;

		private final String username;

		private final String password;

		CountingDetails(String url, String username, String password) {
			this.url = url;
			this.username = username;
			this.password = password;
		}

		@Override
		public String getJdbcUrl() {
			return this.url;
		}

		@Override
		public String getUsername() {
			return this.username;
		}

		@Override
		public String getPassword() {
			this.passwordReads.incrementAndGet();
			return this.password;
		}

	}

}
