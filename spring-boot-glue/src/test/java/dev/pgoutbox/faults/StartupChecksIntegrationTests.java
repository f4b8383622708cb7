package dev.pgoutbox.faults;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.autoconfigure.OutboxFailureAnalyzerAccess;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.DedicatedPostgres;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.Probes;
import dev.pgoutbox.testsupport.RecordingPublisher;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server, login or schema that cannot feed the relay fails the application's startup
 * with a message that says what is wrong and how to fix it, and never shows a password.
 */
@ExtendWith(OutputCaptureExtension.class)
class StartupChecksIntegrationTests {

	private static final MessagePublisher NO_OP = (message) -> {
	};

	private static final String SECRET = "s3cret-Never-Shown";

	@Test
	void failsWhenWalLevelIsNotLogical() {
		try (DedicatedPostgres server = DedicatedPostgres.start(Map.of("wal_level", "replica"))) {
			OutboxContexts.runner(server.jdbcUrl(), "postgres", null, "any_slot")
				.withBean(MessagePublisher.class, () -> NO_OP)
				.run((context) -> {
					FailureAnalysis analysis = analysis(context);
					assertThat(analysis.getDescription()).contains("wal_level=replica");
					assertThat(analysis.getAction()).contains("wal_level = logical")
						.contains("rds.logical_replication");
				});
		}
	}

	@Test
	void failsWhenTheReplicationLoginLacksTheReplicationAttribute(CapturedOutput output) {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		String role = "norepl_" + target.slot();
		TestPostgres.execute("postgres", "CREATE ROLE " + role + " LOGIN PASSWORD '" + SECRET + "'");
		OutboxContexts.runner(target)
			.withPropertyValues("outbox.replication.username=" + role, "outbox.replication.password=" + SECRET)
			.withBean(MessagePublisher.class, () -> NO_OP)
			.run((context) -> {
				FailureAnalysis analysis = analysis(context);
				assertThat(analysis.getDescription()).contains("'" + role + "'").contains("REPLICATION");
				assertThat(analysis.getAction()).contains("ALTER ROLE " + role + " WITH REPLICATION");
				assertThat(analysis.getDescription() + analysis.getAction()).doesNotContain(SECRET);
			});
		assertThat(output.getAll()).doesNotContain(SECRET);
	}

	@Test
	void relaysWithASeparateReplicationLogin(CapturedOutput output) {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		String role = "relay_" + target.slot();
		TestPostgres.execute("postgres", "CREATE ROLE " + role + " LOGIN REPLICATION PASSWORD '" + SECRET + "'");
		RecordingPublisher publisher = new RecordingPublisher();
		OutboxContexts.runner(target)
			.withPropertyValues("outbox.replication.username=" + role, "outbox.replication.password=" + SECRET)
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Probes.awaitState(context, RelayState.RUNNING, Duration.ofSeconds(30));
				context.getBean(OutboxPublisher.class).publish("T", "k", Map.of("n", 1));
				publisher.awaitCount(1, Duration.ofSeconds(30));
				assertThat(TestPostgres.queryForString(TestPostgres.dataSource(target.database()),
						"SELECT usename FROM pg_stat_replication WHERE application_name = 'outbox-relay' "
								+ "AND usename = '" + role + "'"))
					.isEqualTo(role);
			});
		assertThat(output.getAll()).doesNotContain(SECRET);
	}

	@Test
	void failsWhenEveryReplicationSlotIsTaken() {
		try (DedicatedPostgres server = DedicatedPostgres.start(Map.of("max_replication_slots", "1"))) {
			try (var dataSource = new com.zaxxer.hikari.HikariDataSource()) {
				dataSource.setJdbcUrl(server.jdbcUrl());
				dataSource.setUsername("postgres");
				TestPostgres.queryForString(dataSource,
						"SELECT slot_name FROM pg_create_logical_replication_slot('someone_else', 'pgoutput')");
			}
			OutboxContexts.runner(server.jdbcUrl(), "postgres", null, "outbox_slot")
				.withBean(MessagePublisher.class, () -> NO_OP)
				.run((context) -> {
					FailureAnalysis analysis = analysis(context);
					assertThat(analysis.getDescription()).contains("All 1 replication slots").contains("someone_else");
					assertThat(analysis.getAction()).contains("max_replication_slots");
				});
		}
	}

	@ParameterizedTest(name = "outbox.initialize-schema={0}")
	@ValueSource(strings = { "always", "never" })
	void failsWhenTheOutboxSchemaDoesNotExist(String initialization) {
		OutboxContexts.runner(OutboxContexts.newTarget())
			.withPropertyValues("outbox.schema=no_such_schema", "outbox.initialize-schema=" + initialization)
			.withBean(MessagePublisher.class, () -> NO_OP)
			.run((context) -> {
				FailureAnalysis analysis = analysis(context);
				assertThat(analysis.getDescription()).contains("the schema 'no_such_schema' (outbox.schema)")
					.contains("does not exist in the database 'outbox_test_");
				assertThat(analysis.getAction()).contains("CREATE SCHEMA \"no_such_schema\"")
					.contains("point outbox.schema at an existing schema");
			});
	}

	private static FailureAnalysis analysis(AssertableApplicationContext context) {
		assertThat(context).hasFailed();
		FailureAnalysis analysis = OutboxFailureAnalyzerAccess.analyze(context.getStartupFailure());
		assertThat(analysis).as("failure analysis of %s", context.getStartupFailure()).isNotNull();
		return analysis;
	}

}
