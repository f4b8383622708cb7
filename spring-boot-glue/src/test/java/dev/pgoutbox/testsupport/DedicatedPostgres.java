package dev.pgoutbox.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * An embedded PostgreSQL of a test's own, for faults that touch the whole server: a
 * restart keeps its data directory and port, so clients reconnect to the same server.
 */
public final class DedicatedPostgres implements AutoCloseable {

	private final Path dataDirectory;

	private final int port;

	private final Map<String, String> config;

	private EmbeddedPostgres postgres;

	private DedicatedPostgres(Map<String, String> config) throws IOException {
		this.dataDirectory = Files.createTempDirectory("outbox-pg-");
		try (ServerSocket socket = new ServerSocket(0)) {
			this.port = socket.getLocalPort();
		}
		this.config = config;
	}

	/**
	 * Starts a server with {@code wal_level=logical} and the given extra settings.
	 */
	public static DedicatedPostgres start(Map<String, String> config) {
		try {
			DedicatedPostgres server = new DedicatedPostgres(config);
			server.startServer();
			return server;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** The JDBC URL of the {@code postgres} database. */
	public String jdbcUrl() {
		return "jdbc:postgresql://localhost:" + this.port + "/postgres";
	}

	/**
	 * Stops the server (a fast shutdown: sessions are cut) and starts it again on the
	 * same data.
	 */
	public void restart() {
		stop();
		try {
			startServer();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Starts the server again after {@link #stop()}, on the same data. */
	public void start() {
		try {
			startServer();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Stops the server; {@link #start()} or {@link #restart()} brings it back. */
	public void stop() {
		try {
			this.postgres.close();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private void startServer() throws IOException {
		EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
			.setDataDirectory(this.dataDirectory)
			.setCleanDataDirectory(false)
			.setPort(this.port)
			.setServerConfig("wal_level", "logical")
			.setServerConfig("max_replication_slots", "10")
			.setServerConfig("max_wal_senders", "10")
			.setServerConfig("fsync", "off")
			.setServerConfig("synchronous_commit", "on");
		this.config.forEach(builder::setServerConfig);
		this.postgres = builder.start();
	}

	@Override
	public void close() {
		stop();
		try (var files = Files.walk(this.dataDirectory)) {
			files.sorted(java.util.Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException ex) {
			// a leftover temporary directory is harmless
		}
	}

}
