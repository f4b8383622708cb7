package dev.pgoutbox.amqp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The embedded PostgreSQL with {@code wal_level=logical} the outbox relays from, started
 * once per test JVM; each test takes a database and a slot of its own.
 */
final class TestPostgres {

	private static final AtomicInteger counter = new AtomicInteger();

	private static EmbeddedPostgres postgres;

	private TestPostgres() {
	}

	/** A fresh database and a slot name no other test uses. */
	record Target(String url, String slot) {
	}

	static synchronized Target newTarget() {
		if (postgres == null) {
			try {
				postgres = EmbeddedPostgres.builder()
					.setServerConfig("wal_level", "logical")
					.setServerConfig("max_replication_slots", "32")
					.setServerConfig("max_wal_senders", "32")
					.setServerConfig("fsync", "off")
					// the embedded server defaults to asynchronous commit, which holds
					// WAL back from logical decoding
					.setServerConfig("synchronous_commit", "on")
					.start();
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not start the embedded PostgreSQL", ex);
			}
		}
		int number = counter.incrementAndGet();
		String database = "amqp_test_" + number;
		try (Connection connection = postgres.getPostgresDatabase().getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("CREATE DATABASE " + database);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not create database " + database, ex);
		}
		return new Target(postgres.getJdbcUrl("postgres", database), "amqp_slot_" + number);
	}

}
