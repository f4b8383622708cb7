package dev.pgoutbox.autoconfigure;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboundMessage;
import dev.pgoutbox.OutboxHandler;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.schema.OutboxSchema;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the auto-configuration contributes, when it backs off, and how it fails.
 */
class OutboxAutoConfigurationTests {

	private static final MessagePublisher NO_OP = (message) -> {
	};

	private final OutboxContexts.Target target = OutboxContexts.newTarget();

	@Test
	void contributesPublisherRelayAndSchema() {
		OutboxContexts.runner(this.target).withBean(MessagePublisher.class, () -> NO_OP).run((context) -> {
			assertThat(context).hasSingleBean(OutboxPublisher.class);
			assertThat(context).hasSingleBean(TransactionalOutboxPublisher.class);
			assertThat(context).hasSingleBean(OutboxRelayLifecycle.class);
			assertThat(context).hasSingleBean(OutboxSchemaInitializer.class);
			assertThat(context).hasSingleBean(OutboxProperties.class);
			assertThat(TestPostgres.queryForString(context.getBean(javax.sql.DataSource.class),
					"SELECT count(*) FROM pg_publication WHERE pubname = 'outbox_pub' AND pubinsert AND NOT pubdelete"))
				.isEqualTo("1");
		});
	}

	@Test
	void backsOffWhenTheUserDefinesAnOutboxPublisher() {
		OutboxPublisher own = new OutboxPublisher() {
			@Override
			public UUID publish(String type, String key, Object payload, Map<String, String> headers) {
				return UUID.randomUUID();
			}

			@Override
			public List<UUID> publishAll(List<OutboundMessage> messages) {
				return List.of();
			}
		};
		OutboxContexts.runner(this.target)
			.withBean(MessagePublisher.class, () -> NO_OP)
			.withBean(OutboxPublisher.class, () -> own)
			.run((context) -> {
				assertThat(context).hasSingleBean(OutboxPublisher.class);
				assertThat(context.getBean(OutboxPublisher.class)).isSameAs(own);
				assertThat(context).doesNotHaveBean(TransactionalOutboxPublisher.class);
			});
	}

	@Test
	void backsOffWhenTheUserDefinesTheSchema() {
		OutboxSchema own = new OutboxSchema(
				new dev.pgoutbox.schema.OutboxTable(dev.pgoutbox.schema.SqlIdentifier.of("public", "s"),
						dev.pgoutbox.schema.SqlIdentifier.of("custom_outbox", "t")),
				dev.pgoutbox.schema.SqlIdentifier.of("custom_pub", "p"));
		OutboxContexts.runner(this.target)
			.withBean(MessagePublisher.class, () -> NO_OP)
			.withBean(OutboxSchema.class, () -> own)
			.run((context) -> assertThat(context.getBean(OutboxSchema.class)).isSameAs(own));
	}

	@Test
	void contributesNothingWhenDisabled() {
		OutboxContexts.runner(this.target).withPropertyValues("outbox.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(OutboxPublisher.class);
			assertThat(context).doesNotHaveBean(OutboxRelayLifecycle.class);
		});
	}

	@Test
	void contributesNothingWithoutThePostgresDriver() {
		OutboxContexts.runner(this.target)
			.withClassLoader(new FilteredClassLoader(org.postgresql.PGConnection.class))
			.withPropertyValues("spring.datasource.driver-class-name=")
			.run((context) -> assertThat(context).doesNotHaveBean(OutboxPublisher.class));
	}

	@Test
	void failsClearlyWithoutAMessagePublisher() {
		OutboxContexts.runner(this.target).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(OutboxStartupException.class)
				.hasMessageContaining("no MessagePublisher or OutboxHandler bean");
			FailureAnalysis analysis = new OutboxFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis).isNotNull();
			assertThat(analysis.getAction()).contains("dev.pgoutbox.MessagePublisher");
		});
	}

	@Test
	void failsClearlyWhenTwoHandlersShareAName() {
		OutboxContexts.runner(this.target)
			.withBean("search", MessagePublisher.class, () -> NO_OP)
			.withBean("searchHandler", OutboxHandler.class, () -> OutboxHandler.of("search", (message) -> {
			}))
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(OutboxStartupException.class)
				.hasMessageContaining("Two outbox handlers are named 'search'"));
	}

	@Test
	void rejectsAnInjectionAttemptInTheTableNameAndChangesNothing() {
		TestPostgres.execute(this.target.database(), "CREATE TABLE users (id int)");
		OutboxContexts.runner(this.target)
			.withBean(MessagePublisher.class, () -> NO_OP)
			.withPropertyValues("outbox.table=outbox; drop table users")
			.run((context) -> {
				assertThat(context.getStartupFailure()).rootCause()
					.isInstanceOf(OutboxStartupException.class)
					.hasMessageContaining("'outbox.table'")
					.hasMessageContaining("outbox; drop table users");
			});
		assertThat(TestPostgres.queryForString(TestPostgres.dataSource(this.target.database()),
				"SELECT count(*) FROM pg_tables WHERE tablename = 'users'"))
			.isEqualTo("1");
	}

	@Test
	void rejectsInvalidSettingsNamingTheProperty() {
		OutboxContexts.runner(this.target)
			.withBean(MessagePublisher.class, () -> NO_OP)
			.withPropertyValues("outbox.delivery.concurrency=0")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("'outbox.delivery.concurrency' must be at least 1"));
		OutboxContexts.runner(this.target)
			.withBean(MessagePublisher.class, () -> NO_OP)
			.withPropertyValues("outbox.replication.catch-up-nap=51ms")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("'outbox.replication.catch-up-nap' must be between 0 and 50ms, not PT0.051S"));
	}

	/** {@code embedded} is off too: Spring Boot never takes PostgreSQL for embedded. */
	@ParameterizedTest
	@ValueSource(strings = { "never", "embedded" })
	void failsClearlyWhenTheSchemaIsMissingAndInitializationIsOff(String mode) {
		OutboxContexts.runner(this.target)
			.withBean(MessagePublisher.class, () -> NO_OP)
			.withPropertyValues("outbox.initialize-schema=" + mode)
			.run((context) -> {
				FailureAnalysis analysis = new OutboxFailureAnalyzer().analyze(context.getStartupFailure());
				assertThat(analysis).isNotNull();
				assertThat(analysis.getDescription()).contains("missing table \"public\".\"outbox\"")
					.contains("publication \"outbox_pub\"");
				assertThat(analysis.getAction()).contains(OutboxSchema.DDL_RESOURCE);
			});
	}

}
