package dev.pgoutbox.autoconfigure;

import java.sql.SQLException;

import javax.sql.DataSource;

import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;
import org.springframework.util.ClassUtils;

import com.zaxxer.hikari.HikariDataSource;

import dev.pgoutbox.replication.ReplicationConnector;

/**
 * Finds where and as whom the replication connection logs in: {@code outbox.replication.*}
 * first, then the application's Hikari pool, then {@code spring.datasource.*}.
 */
final class ReplicationConnectorFactory {

	private static final boolean HIKARI_PRESENT = ClassUtils.isPresent("com.zaxxer.hikari.HikariDataSource",
			ReplicationConnectorFactory.class.getClassLoader());

	private ReplicationConnectorFactory() {
	}

	static ReplicationConnector create(OutboxProperties.Replication replication, DataSource dataSource,
			DataSourceProperties dataSourceProperties) {
		String url = replication.getUrl();
		String username = replication.getUsername();
		String password = replication.getPassword();
		Login hikari = HIKARI_PRESENT ? HikariLogin.of(dataSource) : null;
		if (url == null) {
			url = (hikari != null) ? hikari.url() : null;
		}
		if (url == null && dataSourceProperties != null) {
			url = dataSourceProperties.determineUrl();
		}
		if (username == null) {
			// the DataSource's password goes with the DataSource's login only
			username = (hikari != null) ? hikari.username()
					: (dataSourceProperties != null) ? dataSourceProperties.determineUsername() : null;
			password = (hikari != null) ? hikari.password()
					: (dataSourceProperties != null) ? dataSourceProperties.determinePassword() : null;
		}
		if (url == null) {
			throw new OutboxStartupException("The outbox cannot tell which database to open its replication connection to.",
					"Set outbox.replication.url (a jdbc:postgresql: URL) or spring.datasource.url.");
		}
		if (!url.startsWith("jdbc:postgresql:")) {
			throw new OutboxStartupException(
					"The outbox needs PostgreSQL, but the replication URL is " + ReplicationConnector.redact(url) + ".",
					"Point spring.datasource.url or outbox.replication.url at a PostgreSQL database (jdbc:postgresql:...).");
		}
		return new ReplicationConnector(url, username, password);
	}

	/** Where and as whom a pool logs in. */
	private record Login(String url, String username, String password) {
	}

	/** Kept apart so that nothing loads Hikari's classes when Hikari is absent. */
	private static final class HikariLogin {

		static Login of(DataSource dataSource) {
			try {
				HikariDataSource hikari = (dataSource instanceof HikariDataSource direct) ? direct
						: dataSource.isWrapperFor(HikariDataSource.class) ? dataSource.unwrap(HikariDataSource.class)
								: null;
				return (hikari != null) ? new Login(hikari.getJdbcUrl(), hikari.getUsername(), hikari.getPassword())
						: null;
			}
			catch (SQLException ex) {
				return null;
			}
		}

	}

}
