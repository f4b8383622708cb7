package dev.pgoutbox.autoconfigure;

import java.sql.SQLException;
import java.util.function.Supplier;
import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import org.springframework.util.ClassUtils;

import dev.pgoutbox.relay.Failures;
import dev.pgoutbox.replication.ReplicationConnector;
import dev.pgoutbox.replication.ReplicationConnector.Credentials;

/**
 * Finds where and as whom the replication connection logs in:
 * {@code outbox.replication.*} first, then Boot's JDBC connection details (so that
 * {@code @ServiceConnection} and Docker Compose apply), then the application's Hikari
 * pool. The login is read at each connection, not once.
 */
final class ReplicationConnectorFactory {

	private static final boolean HIKARI_PRESENT = ClassUtils.isPresent("com.zaxxer.hikari.HikariDataSource",
			ReplicationConnectorFactory.class.getClassLoader());

	private ReplicationConnectorFactory() {
	}

	static ReplicationConnector create(OutboxProperties.Replication replication, DataSource dataSource,
			DataSourceLogin dataSourceLogin) {
		DataSourceLogin fallback = (dataSourceLogin != null) ? dataSourceLogin
				: HIKARI_PRESENT ? HikariLogin.of(dataSource) : null;
		String url = (replication.getUrl() != null) ? replication.getUrl() : (fallback != null) ? fallback.url() : null;
		if (url == null) {
			throw new OutboxStartupException(
					"The outbox cannot tell which database to open its replication connection to.",
					"Set outbox.replication.url (a jdbc:postgresql: URL) or spring.datasource.url.");
		}
		if (!url.startsWith("jdbc:postgresql:")) {
			throw new OutboxStartupException(
					"The outbox needs PostgreSQL, but the replication URL is " + Failures.redact(url) + ".",
					"Point spring.datasource.url or outbox.replication.url at a PostgreSQL database (jdbc:postgresql:...).");
		}
		if (replication.getPassword() != null && replication.getUsername() == null) {
			throw new OutboxStartupException(
					"'outbox.replication.password' is set without 'outbox.replication.username'; the password would "
							+ "be ignored.",
					"Set outbox.replication.username to the login the password belongs to, or remove "
							+ "outbox.replication.password to use the data source's login.");
		}
		Supplier<Credentials> credentials;
		if (replication.getUsername() != null) {
			Credentials own = new Credentials(replication.getUsername(), replication.getPassword());
			credentials = () -> own;
		}
		else {
			// the data source's password goes with the data source's login only
			credentials = (fallback != null) ? fallback.credentials() : () -> null;
		}
		return new ReplicationConnector(url, credentials);
	}

	/** Kept apart so that nothing loads Hikari's classes when Hikari is absent. */
	private static final class HikariLogin {

		static DataSourceLogin of(DataSource dataSource) {
			try {
				HikariDataSource hikari = (dataSource instanceof HikariDataSource direct) ? direct
						: dataSource.isWrapperFor(HikariDataSource.class) ? dataSource.unwrap(HikariDataSource.class)
								: null;
				// read at each connection: a pool's password can be changed while it runs
				return (hikari != null) ? new DataSourceLogin(hikari.getJdbcUrl(),
						() -> new Credentials(hikari.getUsername(), hikari.getPassword())) : null;
			}
			catch (SQLException ex) {
				return null;
			}
		}

	}

}
