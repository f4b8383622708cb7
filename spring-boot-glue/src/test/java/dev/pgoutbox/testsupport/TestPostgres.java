package dev.pgoutbox.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL with {@code wal_level=logical}, started once per test JVM and shared;
 * each test takes a fresh database of its own. By default it is the embedded PostgreSQL
 * from Maven Central (no Docker); with {@code -Doutbox.test.postgres=testcontainers} it
 * is a Testcontainers container instead.
 */
public final class TestPostgres {

	private static final AtomicInteger databases = new AtomicInteger();

	private static volatile Server server;

	private TestPostgres() {
	}

	/** A running server. */
	public interface Server {

		/** URL of a database on this server. */
		String jdbcUrl(String database);

		String username();

		String password();

	}

	/**
	 * Returns the shared server, starting it on first use.
	 */
	public static Server server() {
		Server current = server;
		if (current == null) {
			synchronized (TestPostgres.class) {
				current = server;
				if (current == null) {
					current = "testcontainers".equals(System.getProperty("outbox.test.postgres"))
							? ContainerServer.start() : embedded();
					server = current;
				}
			}
		}
		return current;
	}

	/**
	 * Creates a new, empty database and returns its name.
	 */
	public static String createDatabase() {
		String name = "outbox_test_" + databases.incrementAndGet() + "_" + ProcessHandle.current().pid();
		execute("postgres", "CREATE DATABASE " + name);
		return name;
	}

	/**
	 * Returns a pooled DataSource on the given database, which the caller closes.
	 */
	public static HikariDataSource dataSource(String database) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(server().jdbcUrl(database));
		config.setUsername(server().username());
		config.setPassword(server().password());
		config.setMaximumPoolSize(10);
		return new HikariDataSource(config);
	}

	/**
	 * Runs one statement on the given database.
	 */
	public static void execute(String database, String sql) {
		try (HikariDataSource dataSource = single(database);
				Connection connection = dataSource.getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException(sql + " failed", ex);
		}
	}

	/**
	 * Runs a query that returns one value on the given DataSource.
	 */
	public static String queryForString(DataSource dataSource, String sql) {
		try (Connection connection = dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery(sql)) {
			return rs.next() ? rs.getString(1) : null;
		}
		catch (SQLException ex) {
			throw new IllegalStateException(sql + " failed", ex);
		}
	}

	/**
	 * Runs a statement that returns no rows on the given DataSource.
	 */
	public static void update(DataSource dataSource, String sql) {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException(sql + " failed", ex);
		}
	}

	private static HikariDataSource single(String database) {
		HikariDataSource dataSource = dataSource(database);
		dataSource.setMaximumPoolSize(1);
		return dataSource;
	}

	private static Server embedded() {
		try {
			EmbeddedPostgres postgres = EmbeddedPostgres.builder()
				.setServerConfig("wal_level", "logical")
				// every test leaves its slots behind: room for the whole suite
				.setServerConfig("max_replication_slots", "256")
				.setServerConfig("max_wal_senders", "64")
				.setServerConfig("max_connections", "300")
				// tests are not about durability of the test server's disk
				.setServerConfig("fsync", "off")
				// the embedded server defaults to asynchronous commit, which holds WAL
				// back from
				// logical decoding for up to wal_writer_delay; production servers commit
				// synchronously
				.setServerConfig("synchronous_commit", "on")
				.start();
			return new Server() {

				@Override
				public String jdbcUrl(String database) {
					return postgres.getJdbcUrl("postgres", database);
				}

				@Override
				public String username() {
					return "postgres";
				}

				@Override
				public String password() {
					return null;
				}

			};
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start the embedded PostgreSQL", ex);
		}
	}

}
