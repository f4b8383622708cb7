package dev.pgoutbox.sample.embedded;

import java.io.IOException;
import java.nio.file.Files;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Starts an embedded PostgreSQL with {@code wal_level=logical} when no
 * {@code spring.datasource.url} is configured, and points Spring Boot's
 * {@code DataSource} at it. Its data is kept between runs, so that a restart shows the
 * relay resuming where it stopped.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnMissingProperty("spring.datasource.url")
@EnableConfigurationProperties(EmbeddedPostgresProperties.class)
class EmbeddedPostgresConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedPostgresConfiguration.class);

	private static final String USER = "postgres";

	// closed after the DataSource that depends on it, so after the outbox relay has
	// stopped
	@Bean(destroyMethod = "close")
	EmbeddedPostgres embeddedPostgres(EmbeddedPostgresProperties properties) throws IOException {
		Files.createDirectories(properties.dataDir());
		EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
			.setDataDirectory(properties.dataDir())
			.setCleanDataDirectory(false)
			// stopped by this context after everything using it, not by a JVM shutdown
			// hook of its own
			// that would race the graceful shutdown of the outbox relay
			.setRegisterShutdownHook(false)
			.setServerConfig("wal_level", "logical")
			.setServerConfig("max_replication_slots", "10")
			.setServerConfig("max_wal_senders", "10")
			// the embedded server defaults to asynchronous commit, which delays logical
			// decoding
			// by up to wal_writer_delay; commit synchronously as a production server does
			.setServerConfig("synchronous_commit", "on");
		if (properties.port() != 0) {
			builder.setPort(properties.port());
		}
		EmbeddedPostgres postgres = builder.start();
		logger.info("Embedded PostgreSQL started at {} with data in {}", postgres.getJdbcUrl(USER, USER),
				properties.dataDir().toAbsolutePath());
		return postgres;
	}

	@Bean
	JdbcConnectionDetails embeddedPostgresConnectionDetails(EmbeddedPostgres postgres) {
		return new JdbcConnectionDetails() {

			@Override
			public String getJdbcUrl() {
				return postgres.getJdbcUrl(USER, USER);
			}

			@Override
			public String getUsername() {
				return USER;
			}

			@Override
			public String getPassword() {
				// the embedded server trusts local connections
				return null;
			}

		};
	}

}
