package dev.pgoutbox.migration;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.autoconfigure.OutboxAutoConfiguration;
import dev.pgoutbox.testsupport.BootLine;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.OutboxContexts.Target;
import dev.pgoutbox.testsupport.RecordingPublisher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox schema managed by the application's migration tool, as the README tells
 * users to do: the shipped DDL, names filled in, in a Flyway migration or a Liquibase
 * change log, with the outbox's own initialization off. The outbox checks its schema only
 * after the migration ran, then starts and delivers.
 */
class MigrationToolsIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@TempDir
	Path migrations;

	@Test
	void startsAndDeliversOnASchemaCreatedByAFlywayMigration() throws IOException {
		Files.writeString(this.migrations.resolve("V1__outbox.sql"), shippedDdl());
		Target target = OutboxContexts.newTarget();
		assertStartsAndDelivers(runner(target).withConfiguration(BootLine.flyway())
			.withPropertyValues("spring.flyway.locations=filesystem:" + this.migrations));
	}

	@Test
	void startsAndDeliversOnASchemaCreatedByALiquibaseChangeLog() throws IOException {
		Path changeLog = this.migrations.resolve("changelog.sql");
		Files.writeString(changeLog,
				"--liquibase formatted sql\n\n--changeset outbox:1 splitStatements:true endDelimiter:;\n"
						+ shippedDdl());
		Target target = OutboxContexts.newTarget();
		assertStartsAndDelivers(runner(target).withConfiguration(BootLine.liquibase())
			.withPropertyValues("spring.liquibase.change-log=" + changeLog.toUri()));
	}

	@Test
	void refusesToStartWhenNothingCreatedTheSchema() {
		Target target = OutboxContexts.newTarget();
		runner(target).run((context) -> assertThat(context).hasFailed()
			.getFailure()
			.rootCause()
			.hasMessageContaining("The outbox schema is incomplete")
			.hasMessageContaining("outbox.initialize-schema=always"));
	}

	@Test
	void refusesToStartWhenThePartitionsMembershipTableIsMissing() {
		Target target = OutboxContexts.newTarget();
		String withoutInstances = shippedDdl()
			.replaceAll("(?s)CREATE TABLE IF NOT EXISTS \"public\".\"outbox_instances\".*?;", "")
			.replaceAll("ALTER TABLE \"public\".\"outbox_instances\"[^;]*;", "")
			.replace("CREATE PUBLICATION \"outbox_pub\" FOR TABLE \"public\".\"outbox\" WITH (publish = 'insert');",
					"CREATE PUBLICATION \"outbox_pub_a\" FOR TABLE \"public\".\"outbox\" WITH (publish = 'insert');\n"
							+ "CREATE PUBLICATION \"outbox_pub_b\" FOR TABLE \"public\".\"outbox\" WITH (publish = 'insert');");
		try {
			Files.writeString(this.migrations.resolve("V1__outbox.sql"), withoutInstances);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		runner(target).withConfiguration(BootLine.flyway())
			.withPropertyValues("spring.flyway.locations=filesystem:" + this.migrations, "outbox.partitions=a,b")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("missing table \"public\".\"outbox_instances\""));
	}

	@Test
	void stillHonoursTheSettingOf010() {
		Target target = OutboxContexts.newTarget();
		OutboxContexts.runner(target)
			.withConfiguration(AutoConfigurations.of(OutboxAutoConfiguration.class))
			.withPropertyValues("outbox.schema-initialization=never")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("The outbox schema is incomplete"));
	}

	private static ApplicationContextRunner runner(Target target) {
		return OutboxContexts.runner(target)
			.withConfiguration(AutoConfigurations.of(OutboxAutoConfiguration.class))
			.withPropertyValues("outbox.initialize-schema=never");
	}

	private static void assertStartsAndDelivers(ApplicationContextRunner runner) {
		RecordingPublisher publisher = new RecordingPublisher();
		runner.withBean(MessagePublisher.class, () -> publisher).run((context) -> {
			assertThat(context).hasNotFailed();
			UUID id = context.getBean(OutboxPublisher.class).publish("T", "k", Map.of("n", 1));
			publisher.awaitMessage((message) -> message.id().equals(id), WAIT);
		});
	}

	/** The DDL the outbox ships, with the default names filled in as a user would. */
	private static String shippedDdl() {
		try (InputStream in = MigrationToolsIntegrationTests.class.getClassLoader()
			.getResourceAsStream("dev/pgoutbox/schema/outbox-postgresql.sql")) {
			assertThat(in).as("the shipped DDL").isNotNull();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("${schema}", "\"public\"")
				.replace("${slots_table}", "\"outbox_slots\"")
				.replace("${dead_letters_table}", "\"outbox_dead_letters\"")
				.replace("${instances_table}", "\"outbox_instances\"")
				.replace("${table}", "\"outbox\"")
				.replace("${publication}", "\"outbox_pub\"");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
