package dev.pgoutbox.replication;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.StringJoiner;
import java.util.function.Supplier;

import org.postgresql.PGConnection;
import org.postgresql.PGProperty;

import dev.pgoutbox.relay.Failures;

/**
 * Opens connections in PostgreSQL's logical replication mode.
 *
 * <p>
 * Immutable and thread-safe. The password is kept out of {@link #toString()}.
 */
public final class ReplicationConnector {

	private final String url;

	private final Supplier<Credentials> credentials;

	private final Credentials fromUrl;

	/**
	 * Creates a connector with a fixed login.
	 * @param url a {@code jdbc:postgresql:} URL of the database holding the outbox
	 * @param username the login, which needs the {@code REPLICATION} attribute;
	 * {@code null} to take the URL's or the driver's default
	 * @param password the password, may be {@code null}
	 */
	ReplicationConnector(String url, String username, String password) {
		this(url, () -> new Credentials(username, password));
	}

	/**
	 * Creates a connector that asks for the login each time it opens a connection, so
	 * that rotated passwords keep working.
	 * @param url a {@code jdbc:postgresql:} URL of the database holding the outbox
	 * @param credentials gives the login at each connection, not {@code null}; a
	 * {@code null} username takes the URL's login or the driver's default
	 */
	public ReplicationConnector(String url, Supplier<Credentials> credentials) {
		if (url == null || !url.startsWith("jdbc:postgresql:")) {
			throw new IllegalArgumentException(
					"'url' must be a PostgreSQL JDBC URL starting with jdbc:postgresql:, not '" + Failures.redact(url)
							+ "'");
		}
		if (credentials == null) {
			throw new IllegalArgumentException("'credentials' must not be null");
		}
		// the driver lets URL parameters win over connection properties: take the login
		// out
		// of the URL so that the configured one is used, and the modes replication needs
		// cannot be overridden
		Map<String, String> removed = new HashMap<>();
		this.url = withoutParameters(url, removed, "user", "password", "replication", "preferQueryMode");
		this.fromUrl = new Credentials(removed.get("user"), removed.get("password"));
		this.credentials = credentials;
	}

	/**
	 * A login: who connects, and with which password.
	 *
	 * @param username the login, {@code null} for the URL's or the driver's default
	 * @param password the password, may be {@code null}
	 */
	public record Credentials(String username, String password) {

		@Override
		public String toString() {
			return "Credentials[username=" + this.username + ", password=" + ((this.password != null) ? "******" : null)
					+ "]";
		}

	}

	private Credentials current() {
		Credentials given = this.credentials.get();
		if (given == null || given.username() == null) {
			String password = (given != null && given.password() != null) ? given.password() : this.fromUrl.password();
			return new Credentials(this.fromUrl.username(), password);
		}
		return given;
	}

	private static String withoutParameters(String url, Map<String, String> removed, String... names) {
		int query = url.indexOf('?');
		if (query < 0) {
			return url;
		}
		StringJoiner kept = new StringJoiner("&");
		for (String parameter : url.substring(query + 1).split("&")) {
			int equals = parameter.indexOf('=');
			String name = URLDecoder.decode((equals < 0) ? parameter : parameter.substring(0, equals),
					StandardCharsets.UTF_8);
			if (List.of(names).contains(name)) {
				removed.put(name,
						(equals < 0) ? "" : URLDecoder.decode(parameter.substring(equals + 1), StandardCharsets.UTF_8));
			}
			else if (!parameter.isEmpty()) {
				kept.add(parameter);
			}
		}
		return url.substring(0, query) + ((kept.length() > 0) ? "?" + kept : "");
	}

	/**
	 * Opens a replication connection.
	 * @return the connection, which the caller closes
	 * @throws SQLException if the connection fails
	 */
	PGConnection open() throws SQLException {
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
	java.sql.Connection openOrdinary() throws SQLException {
		return connect(login());
	}

	private Properties login() {
		Properties properties = new Properties();
		Credentials login = current();
		if (login.username() != null) {
			PGProperty.USER.set(properties, login.username());
		}
		if (login.password() != null) {
			PGProperty.PASSWORD.set(properties, login.password());
		}
		PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
		PGProperty.APPLICATION_NAME.set(properties, "outbox-relay");
		PGProperty.TCP_KEEP_ALIVE.set(properties, true);
		return properties;
	}

	private java.sql.Connection connect(Properties properties) throws SQLException {
		java.sql.Connection connection = new org.postgresql.Driver().connect(this.url, properties);
		if (connection == null) {
			throw new SQLException("The PostgreSQL driver did not accept the URL " + Failures.redact(this.url));
		}
		return connection;
	}

	/**
	 * Returns the username, for messages.
	 * @return the username, may be {@code null}
	 */
	String username() {
		return current().username();
	}

	@Override
	public String toString() {
		return "ReplicationConnector[url=" + Failures.redact(this.url) + "]";
	}

}
