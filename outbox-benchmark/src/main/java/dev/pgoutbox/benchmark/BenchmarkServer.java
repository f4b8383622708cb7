package dev.pgoutbox.benchmark;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The PostgreSQL the benchmark runs against: an embedded one started for the run, with
 * logical decoding and synchronous commit, or a server given by its JDBC URL.
 */
final class BenchmarkServer implements AutoCloseable {

	private final EmbeddedPostgres embedded;

	private final String url;

	private final String username;

	private final String password;

	private final boolean owner;

	private BenchmarkServer(EmbeddedPostgres embedded, String url, String username, String password, boolean owner) {
		this.embedded = embedded;
		this.url = url;
		this.username = username;
		this.password = password;
		this.owner = owner;
	}

	static BenchmarkServer start(BenchmarkOptions options) throws IOException {
		if (options.jdbcUrl() != null) {
			return external(options.jdbcUrl(), options.username(), options.password());
		}
		EmbeddedPostgres postgres = EmbeddedPostgres.builder()
			.setServerConfig("wal_level", "logical")
			.setServerConfig("max_wal_senders", "16")
			.setServerConfig("max_replication_slots", "16")
			.setServerConfig("max_connections", "200")
			// the embedded server defaults to asynchronous commit, which holds WAL back
			// from
			// logical decoding for up to wal_writer_delay (200 ms); production servers
			// commit synchronously
			.setServerConfig("synchronous_commit", "on")
			.setServerConfig("fsync", options.fsync() ? "on" : "off")
			.start();
		return new BenchmarkServer(postgres, postgres.getJdbcUrl("postgres", "postgres"), "postgres", null, true);
	}

	/** Returns a server that is already running, given by its JDBC URL. */
	static BenchmarkServer external(String url, String username, String password) {
		return new BenchmarkServer(null, url, username, password, true);
	}

	/**
	 * Returns the same server, on a database of its own, created if it does not exist:
	 * logical decoding skips other databases' changes, so what is measured there is not
	 * slowed by slots reading the others (every slot of a database receives every logical
	 * decoding message). Closing it leaves the server running.
	 * @param name the database, lower-case letters, digits and underscores
	 */
	BenchmarkServer database(String name) throws SQLException {
		if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
			throw new IllegalArgumentException("Not a plain database name: '" + name + "'");
		}
		try (HikariDataSource dataSource = dataSource(1); Connection connection = dataSource.getConnection()) {
			boolean exists;
			try (PreparedStatement query = connection
				.prepareStatement("SELECT 1 FROM pg_catalog.pg_database WHERE datname = ?")) {
				query.setString(1, name);
				try (ResultSet rs = query.executeQuery()) {
					exists = rs.next();
				}
			}
			if (!exists) {
				try (Statement statement = connection.createStatement()) {
					statement.execute("CREATE DATABASE " + name);
				}
			}
		}
		int path = this.url.indexOf('/', "jdbc:postgresql://".length());
		if (!this.url.startsWith("jdbc:postgresql://") || path < 0) {
			throw new IllegalStateException("Cannot name a database in the URL '" + this.url + "'");
		}
		int query = this.url.indexOf('?', path);
		String url = this.url.substring(0, path + 1) + name + ((query >= 0) ? this.url.substring(query) : "");
		return new BenchmarkServer(this.embedded, url, this.username, this.password, false);
	}

	String url() {
		return this.url;
	}

	String username() {
		return this.username;
	}

	String password() {
		return this.password;
	}

	boolean isEmbedded() {
		return this.embedded != null;
	}

	/**
	 * Returns a new pool on the benchmark's database, which the caller closes.
	 */
	HikariDataSource dataSource(int size) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(this.url);
		config.setUsername(this.username);
		config.setPassword(this.password);
		config.setMaximumPoolSize(size);
		config.setPoolName("bench");
		return new HikariDataSource(config);
	}

	/**
	 * Returns one setting of the server, as {@code SHOW} reports it.
	 */
	String show(String setting) throws SQLException {
		try (HikariDataSource dataSource = dataSource(1);
				Connection connection = dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SHOW " + setting)) {
			return rs.next() ? rs.getString(1) : null;
		}
	}

	@Override
	public void close() throws IOException {
		if (this.embedded != null && this.owner) {
			this.embedded.close();
		}
	}

}
