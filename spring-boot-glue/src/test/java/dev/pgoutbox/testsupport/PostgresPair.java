package dev.pgoutbox.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.LinuxUtils;
import org.awaitility.Awaitility;

/**
 * A primary and a physical standby made from the embedded binaries, for failover tests.
 * <p>
 * The standby streams through a physical slot ({@value #STANDBY_SLOT}) and is the
 * primary's synchronous standby, so every commit the primary acknowledged is flushed on
 * the standby: a test can kill the primary and expect every committed row on the promoted
 * standby. While the standby is down, commits on the primary wait for it. The primary
 * names the standby's slot in {@code synchronized_standby_slots}, so logical walsenders
 * of failover slots send nothing the standby does not have; the standby runs the slot
 * sync worker ({@code sync_replication_slots=on}), which copies the primary's failover
 * slots. Both need PostgreSQL 17 or later.
 * <p>
 * The standby is a cold copy of the primary's data directory, taken while the primary is
 * stopped, so no base backup tool is needed (zonky ships only initdb, pg_ctl and
 * postgres).
 */
public final class PostgresPair implements AutoCloseable {

	/**
	 * The standby's {@code application_name}, named in the primary's
	 * {@code synchronous_standby_names}.
	 */
	public static final String STANDBY_NAME = "standby";

	/** The primary's physical slot the standby streams from. */
	public static final String STANDBY_SLOT = "standby_slot";

	private static final Duration WAIT = Duration.ofSeconds(60);

	private final Path root;

	private final Path primaryDirectory;

	private final Path standbyDirectory;

	private final int primaryPort;

	private final int standbyPort;

	private EmbeddedPostgres primary;

	private EmbeddedPostgres standby;

	private boolean primaryKilled;

	private PostgresPair() throws IOException {
		this.root = Files.createTempDirectory("outbox-pg-pair-");
		this.primaryDirectory = this.root.resolve("primary");
		this.standbyDirectory = this.root.resolve("standby");
		this.primaryPort = freePort();
		this.standbyPort = freePort();
	}

	/**
	 * Starts a primary, makes a standby of it and waits until the standby streams as the
	 * primary's synchronous standby.
	 */
	public static PostgresPair start() {
		PostgresPair pair;
		try {
			pair = new PostgresPair();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		try {
			pair.startBoth();
			return pair;
		}
		catch (IOException ex) {
			pair.close();
			throw new UncheckedIOException(ex);
		}
		catch (RuntimeException ex) {
			pair.close();
			throw ex;
		}
	}

	private void startBoth() throws IOException {
		// the first start runs initdb and creates the standby's slot, whose WAL the
		// shutdown checkpoint then keeps; sync settings would name a slot not yet there
		this.primary = primaryBuilder().start();
		execute(primaryJdbcUrl(), "SELECT pg_create_physical_replication_slot('" + STANDBY_SLOT + "', true)");
		this.primary.close();
		copyForStandby();
		this.primary = primaryBuilder().setServerConfig("synchronous_standby_names", STANDBY_NAME)
			.setServerConfig("synchronized_standby_slots", STANDBY_SLOT)
			.start();
		this.standby = builder(this.standbyDirectory, this.standbyPort).setServerConfig("hot_standby_feedback", "on")
			.setServerConfig("sync_replication_slots", "on")
			.start();
		Awaitility.await()
			.atMost(WAIT)
			.pollInterval(Duration.ofMillis(50))
			.until(() -> "streaming/sync".equals(queryForString(primaryJdbcUrl(),
					"SELECT state || '/' || sync_state FROM pg_stat_replication WHERE application_name = '"
							+ STANDBY_NAME + "'")));
	}

	private EmbeddedPostgres.Builder primaryBuilder() {
		return builder(this.primaryDirectory, this.primaryPort);
	}

	private static EmbeddedPostgres.Builder builder(Path dataDirectory, int port) {
		return EmbeddedPostgres.builder()
			.setDataDirectory(dataDirectory)
			.setCleanDataDirectory(false)
			.setRegisterShutdownHook(false)
			.setPort(port)
			.setServerConfig("wal_level", "logical")
			.setServerConfig("max_replication_slots", "10")
			.setServerConfig("max_wal_senders", "10")
			.setServerConfig("fsync", "off")
			.setServerConfig("synchronous_commit", "on");
	}

	/**
	 * Copies the stopped primary's data directory, less what belongs to the running
	 * primary alone (its slots, lock and options files), and makes the copy a standby.
	 */
	private void copyForStandby() throws IOException {
		try (Stream<Path> files = Files.walk(this.primaryDirectory)) {
			for (Path source : (Iterable<Path>) files::iterator) {
				Path relative = this.primaryDirectory.relativize(source);
				if (excludedFromCopy(relative)) {
					continue;
				}
				Path target = this.standbyDirectory.resolve(relative.toString());
				if (Files.isDirectory(source)) {
					Files.createDirectories(target);
				}
				else {
					Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
				}
			}
		}
		Files.setPosixFilePermissions(this.standbyDirectory, Files.getPosixFilePermissions(this.primaryDirectory));
		Files.createFile(this.standbyDirectory.resolve("standby.signal"));
		// values with spaces cannot go through the options zonky hands to pg_ctl
		String settings = "primary_conninfo = 'host=localhost port=" + this.primaryPort
				+ " user=postgres dbname=postgres application_name=" + STANDBY_NAME + "'\n" + "primary_slot_name = '"
				+ STANDBY_SLOT + "'\n";
		Files.writeString(this.standbyDirectory.resolve("postgresql.auto.conf"), settings, StandardCharsets.UTF_8,
				StandardOpenOption.APPEND);
	}

	private static boolean excludedFromCopy(Path relative) {
		String first = (relative.getNameCount() > 0) ? relative.getName(0).toString() : "";
		return (first.equals("pg_replslot") && relative.getNameCount() > 1) || first.equals("postmaster.pid")
				|| first.equals("postmaster.opts") || first.equals("epg-lock");
	}

	/** The JDBC URL of the primary's {@code postgres} database. */
	public String primaryJdbcUrl() {
		return "jdbc:postgresql://localhost:" + this.primaryPort + "/postgres";
	}

	/** The JDBC URL of the standby's {@code postgres} database. */
	public String standbyJdbcUrl() {
		return "jdbc:postgresql://localhost:" + this.standbyPort + "/postgres";
	}

	/**
	 * A URL naming both servers that connects to whichever of them is the primary.
	 */
	public String multiHostJdbcUrl() {
		return "jdbc:postgresql://localhost:" + this.primaryPort + ",localhost:" + this.standbyPort
				+ "/postgres?targetServerType=primary";
	}

	public int primaryPort() {
		return this.primaryPort;
	}

	public int standbyPort() {
		return this.standbyPort;
	}

	/**
	 * Wakes the standby's slot sync worker, which otherwise sleeps up to 30 s between
	 * rounds once a round has changed no slot: a configuration reload sets its latch.
	 */
	public void wakeSlotSync() {
		execute(standbyJdbcUrl(), "SELECT pg_reload_conf()");
	}

	/**
	 * Stops the primary as a crash would ({@code pg_ctl stop -m immediate}): no shutdown
	 * checkpoint, sessions cut at once.
	 */
	public void killPrimary() {
		try {
			Path postgresBinary = Path.of(postmasterCommand(this.primaryDirectory));
			Path pgCtl = postgresBinary.resolveSibling("pg_ctl");
			List<String> command = new ArrayList<>();
			if (LinuxUtils.isUnshareAvailable()) {
				// as zonky does: the binaries refuse to run as root
				command.addAll(List.of("unshare", "-U"));
			}
			command.addAll(List.of(pgCtl.toString(), "-D", this.primaryDirectory.toString(), "stop", "-m", "immediate",
					"-w", "-t", "30"));
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
				throw new IllegalStateException("pg_ctl stop -m immediate failed: " + output);
			}
			this.primaryKilled = true;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** The binary the server was started with, the first word of its options file. */
	private static String postmasterCommand(Path dataDirectory) throws IOException {
		String options = Files.readString(dataDirectory.resolve("postmaster.opts"), StandardCharsets.UTF_8).strip();
		int end = options.indexOf(" \"");
		return (end > 0) ? options.substring(0, end) : options;
	}

	/**
	 * Promotes the standby and returns once it is out of recovery and takes writes.
	 */
	public void promoteStandby() {
		if (!"t".equals(queryForString(standbyJdbcUrl(), "SELECT pg_promote(true, 60)"))) {
			throw new IllegalStateException("the standby was not promoted within 60 s");
		}
		Awaitility.await()
			.atMost(WAIT)
			.pollInterval(Duration.ofMillis(50))
			.until(() -> "f".equals(queryForString(standbyJdbcUrl(), "SELECT pg_is_in_recovery()")));
	}

	@Override
	public void close() {
		if (this.standby != null) {
			closeQuietly(this.standby);
		}
		// a killed primary is stopped already: zonky's own stop would fail on it and log
		// an error. No shutdown hook is registered: close() is what stops the servers.
		if (this.primary != null && !this.primaryKilled) {
			closeQuietly(this.primary);
		}
		try (Stream<Path> files = Files.walk(this.root)) {
			files.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
		}
		catch (IOException ex) {
			// a leftover temporary directory is harmless
		}
	}

	private static void closeQuietly(EmbeddedPostgres server) {
		try {
			server.close();
		}
		catch (IOException ex) {
			// the data directory is deleted next
		}
	}

	/** Runs a statement on a new connection to the given URL. */
	public static void execute(String url, String sql) {
		try (Connection connection = DriverManager.getConnection(url, "postgres", "");
				Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
		catch (SQLException ex) {
			throw new IllegalStateException(sql, ex);
		}
	}

	/** The first column of the first row a query returns, {@code null} if none. */
	public static String queryForString(String url, String sql) {
		try (Connection connection = DriverManager.getConnection(url, "postgres", "");
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery(sql)) {
			return result.next() ? result.getString(1) : null;
		}
		catch (SQLException ex) {
			throw new IllegalStateException(sql, ex);
		}
	}

	/**
	 * The first row a query returns, by column label, in column order; empty if none.
	 */
	public static Map<String, String> queryForRow(String url, String sql) {
		try (Connection connection = DriverManager.getConnection(url, "postgres", "");
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery(sql)) {
			Map<String, String> row = new LinkedHashMap<>();
			if (result.next()) {
				for (int i = 1; i <= result.getMetaData().getColumnCount(); i++) {
					row.put(result.getMetaData().getColumnLabel(i), result.getString(i));
				}
			}
			return row;
		}
		catch (SQLException ex) {
			throw new IllegalStateException(sql, ex);
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
