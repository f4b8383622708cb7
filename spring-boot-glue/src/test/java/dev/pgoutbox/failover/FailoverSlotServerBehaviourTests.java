package dev.pgoutbox.failover;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

import dev.pgoutbox.testsupport.PostgresPair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What PostgreSQL 17 does with failover slots, checked on a real primary and standby: the
 * facts the relay's failover support is built on. The tests run in order on one pair, the
 * last one kills the primary.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverSlotServerBehaviourTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final String SLOT = "outbox_failover";

	private static final String PUBLICATION = "failover_pub";

	private PostgresPair pair;

	private String primary;

	private String standby;

	private String snapshotName;

	private long confirmedBeforeFailover;

	@BeforeAll
	void startPair() {
		this.pair = PostgresPair.start();
		this.primary = this.pair.primaryJdbcUrl();
		this.standby = this.pair.standbyJdbcUrl();
		PostgresPair.execute(this.primary,
				"CREATE TABLE failover_probe (id serial PRIMARY KEY, payload text NOT NULL)");
		PostgresPair.execute(this.primary, "CREATE PUBLICATION " + PUBLICATION + " FOR TABLE failover_probe");
		PostgresPair.execute(this.primary, "INSERT INTO failover_probe (payload) VALUES ('before-slot')");
	}

	@AfterAll
	void closePair() {
		if (this.pair != null) {
			this.pair.close();
		}
	}

	@Test
	@Order(1)
	void createReplicationSlotTakesFailoverAndExportsASnapshotOtherSessionsCanImport() throws SQLException {
		try (Connection replication = replicationConnection(this.primary);
				Statement statement = replication.createStatement()) {
			try (ResultSet result = statement.executeQuery(
					"CREATE_REPLICATION_SLOT \"" + SLOT + "\" LOGICAL pgoutput (SNAPSHOT 'export', FAILOVER)")) {
				assertThat(labels(result.getMetaData())).containsExactly("slot_name", "consistent_point",
						"snapshot_name", "output_plugin");
				assertThat(result.next()).isTrue();
				assertThat(result.getString("slot_name")).isEqualTo(SLOT);
				assertThat(LogSequenceNumber.valueOf(result.getString("consistent_point")).asLong()).isPositive();
				assertThat(result.getString("output_plugin")).isEqualTo("pgoutput");
				this.snapshotName = result.getString("snapshot_name");
				assertThat(this.snapshotName).isNotBlank();
			}
			// written after the slot's consistent point: the stream has it, the snapshot
			// must not
			PostgresPair.execute(this.primary, "INSERT INTO failover_probe (payload) VALUES ('after-slot')");
			try (Connection ordinary = DriverManager.getConnection(this.primary, "postgres", "")) {
				ordinary.setAutoCommit(false);
				ordinary.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
				try (Statement query = ordinary.createStatement()) {
					query.execute("SET TRANSACTION SNAPSHOT '" + this.snapshotName + "'");
					assertThat(payloads(query)).containsExactly("before-slot");
				}
				ordinary.rollback();
			}
			assertThat(slotRow(this.primary, SLOT)).containsEntry("failover", "t")
				.containsEntry("temporary", "f")
				.containsEntry("synced", "f");

			// the snapshot lives until the replication connection's next command
			statement.execute(
					"CREATE_REPLICATION_SLOT \"plain_slot\" LOGICAL pgoutput (SNAPSHOT 'nothing', FAILOVER false)");
			assertThat(slotRow(this.primary, "plain_slot")).containsEntry("failover", "f");
			assertThat(statement.execute("ALTER_REPLICATION_SLOT \"plain_slot\" (FAILOVER true)")).isFalse();
			assertThat(slotRow(this.primary, "plain_slot")).containsEntry("failover", "t");
			try (ResultSet result = statement.executeQuery(
					"CREATE_REPLICATION_SLOT \"explicit_slot\" LOGICAL pgoutput (SNAPSHOT 'nothing', FAILOVER true)")) {
				assertThat(result.next()).isTrue();
				assertThat(result.getString("snapshot_name")).isNull();
			}
			assertThat(slotRow(this.primary, "explicit_slot")).containsEntry("failover", "t");
			assertThatExceptionOfType(SQLException.class)
				.isThrownBy(() -> statement
					.execute("CREATE_REPLICATION_SLOT \"temporary_slot\" TEMPORARY LOGICAL pgoutput (FAILOVER)"))
				.withMessageContaining("cannot enable failover for a temporary replication slot");
		}
		// the SQL way: (slot_name, plugin, temporary, twophase, failover)
		Map<String, String> created = PostgresPair.queryForRow(this.primary,
				"SELECT * FROM pg_create_logical_replication_slot('sql_slot', 'pgoutput', false, false, true)");
		assertThat(created.keySet()).containsExactly("slot_name", "lsn");
		assertThat(slotRow(this.primary, "sql_slot")).containsEntry("failover", "t");
		for (String slot : List.of("plain_slot", "explicit_slot", "sql_slot")) {
			PostgresPair.execute(this.primary, "SELECT pg_drop_replication_slot('" + slot + "')");
		}
	}

	@Test
	@Order(2)
	void theStandbyKeepsAFreshFailoverSlotTemporaryUntilThePrimaryHasMovedIt() {
		// the slot sync worker reserves the standby's own catalog xmin, newer than the
		// slot's: until the primary's slot moves past it, the copy stays temporary
		awaitStandbyReplayedPrimary();
		Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
			this.pair.wakeSlotSync();
			return !slotRow(this.standby, SLOT).isEmpty();
		});
		assertThat(slotRow(this.standby, SLOT)).containsEntry("synced", "t")
			.containsEntry("temporary", "t")
			.containsEntry("failover", "t")
			.containsEntry("confirmed_flush_lsn", null);
	}

	@Test
	@Order(3)
	void transactionalMessagesComeThroughAsPgoutputMessageRecords() throws SQLException {
		String start = slotRow(this.primary, SLOT).get("confirmed_flush_lsn");
		try (Connection replication = replicationConnection(this.primary);
				PGReplicationStream stream = startStream(replication, start)) {
			try (Connection connection = DriverManager.getConnection(this.primary, "postgres", "")) {
				connection.setAutoCommit(false);
				try (Statement statement = connection.createStatement()) {
					statement.execute("INSERT INTO failover_probe (payload) VALUES ('with-message')");
					statement.execute("SELECT pg_logical_emit_message(true, 'outbox', 'hello'::bytea)");
				}
				connection.commit();
			}
			// the stream starts at the slot's consistent point: 'after-slot' comes first
			List<Record> records = readUntil(stream, (read) -> committedAfter(read, "with-message"));
			// a relation record ('R') comes only before a relation's first change in the
			// session
			List<Record> transaction = lastTransaction(records).stream()
				.filter((record) -> record.type() != 'R')
				.toList();
			assertThat(transaction).extracting(Record::type).containsExactly('B', 'I', 'M', 'C');
			Record message = transaction.get(2);
			assertThat(message.flags()).isEqualTo(1);
			assertThat(message.prefix()).isEqualTo("outbox");
			assertThat(message.text()).isEqualTo("hello");
			long end = transaction.get(3).lsn();
			stream.setFlushedLSN(LogSequenceNumber.valueOf(end));
			stream.setAppliedLSN(LogSequenceNumber.valueOf(end));
			stream.forceUpdateStatus();
			Awaitility.await()
				.atMost(WAIT)
				.pollInterval(Duration.ofMillis(50))
				.until(() -> confirmed(this.primary) >= end);
		}
	}

	@Test
	@Order(4)
	void theStandbyCopyBecomesPersistentOnceThePrimarySlotHasMoved() throws SQLException {
		// an inactive slot is moved by pg_replication_slot_advance; a running xacts
		// record lets its catalog xmin move too
		PostgresPair.execute(this.primary, "SELECT pg_log_standby_snapshot()");
		PostgresPair.execute(this.primary,
				"SELECT pg_replication_slot_advance('" + SLOT + "', pg_current_wal_flush_lsn())");
		this.confirmedBeforeFailover = confirmed(this.primary);
		// woken, the worker copies the slot within a round (well under a second here);
		// left alone it may sleep 30 s first
		Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
			this.pair.wakeSlotSync();
			Map<String, String> copy = slotRow(this.standby, SLOT);
			return "f".equals(copy.get("temporary")) && copy.get("confirmed_flush_lsn") != null
					&& lsn(copy.get("confirmed_flush_lsn")) == this.confirmedBeforeFailover;
		});
		assertThat(slotRow(this.standby, SLOT)).containsEntry("synced", "t").containsEntry("failover", "t");
		// on the primary, pg_replication_slots says nothing of the copy: only that the
		// slot is a failover slot and how far the standby's physical slot has confirmed
		// (the standby copies no position it has not flushed itself)
		Map<String, String> onPrimary = slotRow(this.primary, SLOT);
		assertThat(onPrimary).containsEntry("failover", "t").containsEntry("synced", "f");
		Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
			Map<String, String> physical = slotRow(this.primary, PostgresPair.STANDBY_SLOT);
			assertThat(physical).containsEntry("slot_type", "physical").containsEntry("active", "t");
			assertThat(lsn(physical.get("restart_lsn"))).isGreaterThanOrEqualTo(this.confirmedBeforeFailover);
		});
		assertThat(PostgresPair.queryForString(this.primary, "SHOW synchronized_standby_slots"))
			.isEqualTo(PostgresPair.STANDBY_SLOT);
		// a synced copy cannot be used while the standby is in recovery
		try (Connection replication = replicationConnection(this.standby)) {
			assertThatExceptionOfType(SQLException.class)
				.isThrownBy(() -> startStream(replication, onPrimary.get("confirmed_flush_lsn")).readPending())
				.withMessageContaining("cannot use replication slot");
		}
	}

	@Test
	@Order(5)
	void afterFailoverThePromotedCopyStreamsEveryTransactionCommittedAfterItsPosition() throws SQLException {
		List<String> committed = new ArrayList<>();
		try (Connection connection = DriverManager.getConnection(this.primary, "postgres", "")) {
			connection.setAutoCommit(false);
			try (Statement statement = connection.createStatement()) {
				for (int i = 0; i < 20; i++) {
					String payload = "committed-" + i;
					statement.execute("INSERT INTO failover_probe (payload) VALUES ('" + payload + "')");
					statement.execute("SELECT pg_logical_emit_message(true, 'outbox', '" + payload + "'::bytea)");
					connection.commit();
					committed.add(payload);
				}
			}
		}
		assertThat(serverPort(this.pair.multiHostJdbcUrl())).isEqualTo(this.pair.primaryPort());
		this.pair.killPrimary();
		this.pair.promoteStandby();
		assertThat(serverPort(this.pair.multiHostJdbcUrl())).isEqualTo(this.pair.standbyPort());
		Map<String, String> copy = slotRow(this.standby, SLOT);
		// the flag stays after promotion; the copy keeps the position synced last
		assertThat(copy).containsEntry("synced", "t").containsEntry("temporary", "f");
		assertThat(lsn(copy.get("confirmed_flush_lsn"))).isEqualTo(this.confirmedBeforeFailover);
		PostgresPair.execute(this.standby, "INSERT INTO failover_probe (payload) VALUES ('after-promotion')");
		List<String> expected = new ArrayList<>(committed);
		expected.add("after-promotion");
		try (Connection replication = replicationConnection(this.standby);
				PGReplicationStream stream = startStream(replication, copy.get("confirmed_flush_lsn"))) {
			List<Record> records = readUntil(stream, (read) -> inserted(read).containsAll(expected));
			assertThat(inserted(records)).containsExactlyElementsOf(expected);
			assertThat(records.stream().filter((record) -> record.type() == 'M').map(Record::text))
				.containsExactlyElementsOf(committed);
		}
	}

	private void awaitStandbyReplayedPrimary() {
		long target = lsn(PostgresPair.queryForString(this.primary, "SELECT pg_current_wal_flush_lsn()"));
		Awaitility.await()
			.atMost(WAIT)
			.pollInterval(Duration.ofMillis(50))
			.until(() -> lsn(PostgresPair.queryForString(this.standby, "SELECT pg_last_wal_replay_lsn()")) >= target);
	}

	private static long confirmed(String url) {
		String value = slotRow(url, SLOT).get("confirmed_flush_lsn");
		return (value != null) ? lsn(value) : 0;
	}

	private static long lsn(String text) {
		return LogSequenceNumber.valueOf(text).asLong();
	}

	private static int serverPort(String url) {
		return Integer.parseInt(PostgresPair.queryForString(url, "SELECT inet_server_port()"));
	}

	private static Map<String, String> slotRow(String url, String slot) {
		return PostgresPair.queryForRow(url,
				"SELECT slot_type, active, temporary, failover, synced, restart_lsn, confirmed_flush_lsn, catalog_xmin"
						+ " FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
	}

	private static List<String> payloads(Statement statement) throws SQLException {
		List<String> payloads = new ArrayList<>();
		try (ResultSet result = statement.executeQuery("SELECT payload FROM failover_probe ORDER BY id")) {
			while (result.next()) {
				payloads.add(result.getString(1));
			}
		}
		return payloads;
	}

	private static List<String> labels(ResultSetMetaData metaData) throws SQLException {
		List<String> labels = new ArrayList<>();
		for (int i = 1; i <= metaData.getColumnCount(); i++) {
			labels.add(metaData.getColumnLabel(i));
		}
		return labels;
	}

	private static Connection replicationConnection(String url) throws SQLException {
		Properties properties = new Properties();
		PGProperty.USER.set(properties, "postgres");
		PGProperty.REPLICATION.set(properties, "database");
		PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "9.4");
		PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
		return DriverManager.getConnection(url, properties);
	}

	private static PGReplicationStream startStream(Connection replication, String start) throws SQLException {
		return replication.unwrap(PGConnection.class)
			.getReplicationAPI()
			.replicationStream()
			.logical()
			.withSlotName(SLOT)
			.withStartPosition(LogSequenceNumber.valueOf(start))
			.withSlotOption("proto_version", "1")
			.withSlotOption("publication_names", PUBLICATION)
			.withSlotOption("messages", "true")
			.withStatusInterval(1, TimeUnit.SECONDS)
			.start();
	}

	private static List<Record> readUntil(PGReplicationStream stream, Predicate<List<Record>> done) {
		List<Record> records = new ArrayList<>();
		Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> {
			for (ByteBuffer buffer = stream.readPending(); buffer != null; buffer = stream.readPending()) {
				records.add(Record.parse(buffer));
			}
			return done.test(records);
		});
		return records;
	}

	private static boolean committedAfter(List<Record> records, String payload) {
		for (int i = 0; i < records.size(); i++) {
			if (records.get(i).type() == 'I' && payload.equals(records.get(i).text())) {
				return records.subList(i, records.size()).stream().anyMatch((record) -> record.type() == 'C');
			}
		}
		return false;
	}

	private static List<Record> lastTransaction(List<Record> records) {
		int begin = records.size() - 1;
		while (records.get(begin).type() != 'B') {
			begin--;
		}
		return records.subList(begin, records.size());
	}

	private static List<String> inserted(List<Record> records) {
		return records.stream()
			.filter((record) -> record.type() == 'I')
			.map(Record::text)
			.filter((text) -> !text.equals("with-message"))
			.toList();
	}

	/**
	 * A pgoutput record (protocol version 1), with what these tests look at: for an
	 * insert the new row's {@code payload}; for a message its flags, prefix and content;
	 * for a commit its end LSN.
	 */
	private record Record(char type, String text, int flags, String prefix, long lsn) {

		static Record parse(ByteBuffer buffer) {
			char type = (char) buffer.get();
			switch (type) {
				case 'I' -> {
					buffer.getInt(); // relation id
					buffer.get(); // 'N', a new tuple
					short columns = buffer.getShort();
					String payload = null;
					for (int i = 0; i < columns; i++) {
						char kind = (char) buffer.get();
						if (kind == 't') {
							byte[] value = new byte[buffer.getInt()];
							buffer.get(value);
							payload = new String(value, StandardCharsets.UTF_8);
						}
					}
					// the last column is the payload
					return new Record(type, payload, 0, null, 0);
				}
				case 'M' -> {
					int flags = buffer.get();
					long lsn = buffer.getLong();
					String prefix = cString(buffer);
					byte[] content = new byte[buffer.getInt()];
					buffer.get(content);
					return new Record(type, new String(content, StandardCharsets.UTF_8), flags, prefix, lsn);
				}
				case 'C' -> {
					buffer.get(); // flags
					buffer.getLong(); // commit LSN
					return new Record(type, null, 0, null, buffer.getLong());
				}
				default -> {
					return new Record(type, null, 0, null, 0);
				}
			}
		}

		private static String cString(ByteBuffer buffer) {
			int start = buffer.position();
			int end = start;
			while (buffer.get(end) != 0) {
				end++;
			}
			byte[] bytes = new byte[end - start];
			buffer.get(bytes);
			buffer.get();
			return new String(bytes, StandardCharsets.UTF_8);
		}

	}

}
