package dev.pgoutbox.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * One embedded PostgreSQL with {@code wal_level=logical} per test JVM, started on first
 * use; each test takes a database and a slot name of its own.
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
		int n = counter.incrementAndGet();
		String database = "kafka_test_" + n;
		try (Connection connection = server().getPostgresDatabase().getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("CREATE DATABASE " + database);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not create database " + database, ex);
		}
		return new Target(server().getJdbcUrl("postgres", database), "kafka_slot_" + n);
	}

	private static EmbeddedPostgres server() {
		if (postgres == null) {
			try {
				postgres = EmbeddedPostgres.builder()
					.setServerConfig("wal_level", "logical")
					.setServerConfig("max_replication_slots", "32")
					.setServerConfig("max_wal_senders", "32")
					.setServerConfig("fsync", "off")
					// the embedded server commits asynchronously by default, which holds
					// WAL back from logical decoding for up to wal_writer_delay
					.setServerConfig("synchronous_commit", "on")
					.start();
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not start the embedded PostgreSQL", ex);
			}
		}
		return postgres;
	}

}
