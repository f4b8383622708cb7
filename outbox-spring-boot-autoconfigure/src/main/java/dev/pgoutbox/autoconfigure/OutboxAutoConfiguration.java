package dev.pgoutbox.autoconfigure;

import javax.sql.DataSource;

import org.postgresql.PGConnection;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.datasource.DataSourceUtils;

import dev.pgoutbox.replication.ReplicationConnector.Credentials;

/**
 * Auto-configuration of the outbox on Spring Boot 4.x: the beans of
 * {@link OutboxConfiguration}, ordered after the data source, transaction, Jackson,
 * Flyway and Liquibase auto-configurations of this line, with the JSON codec and the
 * database login taken from the application.
 */
@AutoConfiguration(afterName = { "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
		"org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
		"org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration",
		"org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration",
		"org.springframework.boot.jackson2.autoconfigure.Jackson2AutoConfiguration",
		"org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
		"org.springframework.boot.liquibase.autoconfigure.LiquibaseAutoConfiguration" })
@ConditionalOnClass({ PGConnection.class, DataSourceUtils.class })
@ConditionalOnSingleCandidate(DataSource.class)
@ConditionalOnProperty(prefix = "outbox", name = "enabled", havingValue = "true", matchIfMissing = true)
@Import({ OutboxConfiguration.class, OutboxJsonConfiguration.class })
public class OutboxAutoConfiguration {

	@Bean
	@ConditionalOnBean(JdbcConnectionDetails.class)
	@ConditionalOnMissingBean
	DataSourceLogin outboxDataSourceLogin(JdbcConnectionDetails details) {
		// asked at each connection: connection details may hand out rotated credentials
		return new DataSourceLogin(details.getJdbcUrl(),
				() -> new Credentials(details.getUsername(), details.getPassword()));
	}

}
