package dev.pgoutbox.replication;

import java.sql.SQLException;
import java.util.Properties;

import org.postgresql.PGConnection;
import org.postgresql.PGProperty;

/**
 * Opens connections in PostgreSQL's logical replication mode.
 *
 * <p>Immutable and thread-safe. The password is kept out of {@link #toString()}.
 */
public final class ReplicationConnector {

	private final String url;

	private final String username;

	private final String password;

	/**
	 * Creates a connector.
	 * @param url a {@code jdbc:postgresql:} URL of the database holding the outbox
	 * @param username the login, which needs the {@code REPLICATION} attribute; {@code null}
	 * to take the driver's default
	 * @param password the password, may be {@code null}
	 */
	public ReplicationConnector(String url, String username, String password) {
		if (url == null || !url.startsWith("jdbc:postgresql:")) {
			throw new IllegalArgumentException(
					"'url' must be a PostgreSQL JDBC URL starting with jdbc:postgresql:, not '" + redact(url) + "'");
		}
		this.url = url;
		this.username = username;
		this.password = password;
	}

	/**
	 * Opens a replication connection.
	 * @return the connection, which the caller closes
	 * @throws SQLException if the connection fails
	 */
	public PGConnection open() throws SQLException {
		Properties properties = login();
		PGProperty.REPLICATION.set(properties, "database");
		// the replication protocol accepts only the simple query protocol
		PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
		return connect(properties).unwrap(PGConnection.class);
	}

	/**
	 * Opens an ordinary connection with the same login, for what must not depend on the
	 * application's pool (the slot's advisory lock).
	 * @return the connection, which the caller closes
	 * @throws SQLException if the connection fails
	 */
	public java.sql.Connection openOrdinary() throws SQLException {
		return connect(login());
	}

	private Properties login() {
		Properties properties = new Properties();
		if (this.username != null) {
			PGProperty.USER.set(properties, this.username);
		}
		if (this.password != null) {
			PGProperty.PASSWORD.set(properties, this.password);
		}
		PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
		PGProperty.APPLICATION_NAME.set(properties, "outbox-relay");
		PGProperty.TCP_KEEP_ALIVE.set(properties, true);
		return properties;
	}

	private java.sql.Connection connect(Properties properties) throws SQLException {
		java.sql.Connection connection = new org.postgresql.Driver().connect(this.url, properties);
		if (connection == null) {
			throw new SQLException("The PostgreSQL driver did not accept the URL " + redact(this.url));
		}
		return connection;
	}

	/**
	 * Returns the username, for messages.
	 * @return the username, may be {@code null}
	 */
	public String username() {
		return this.username;
	}

	@Override
	public String toString() {
		return "ReplicationConnector[url=" + redact(this.url) + ", username=" + this.username + "]";
	}

	static String redact(String url) {
		return (url != null) ? url.replaceAll("(?i)(password=)[^&]*", "$1******") : null;
	}

}
