package dev.pgoutbox.deadletter;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.pgoutbox.DeadLetterException;
import dev.pgoutbox.Lsn;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.ParkedMessage;
import dev.pgoutbox.schema.MessageIds;
import dev.pgoutbox.schema.OutboxSchema;
import dev.pgoutbox.schema.OutboxTable;
import dev.pgoutbox.schema.OutboxWriter;
import dev.pgoutbox.schema.SqlIdentifier;
import dev.pgoutbox.testsupport.BootLine;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Parking, listing, replaying and deleting dead letters on a real PostgreSQL, without the
 * relay.
 */
class JdbcDeadLettersIntegrationTests {

	private static final OutboxTable TABLE = new OutboxTable(SqlIdentifier.of("public", "outbox.schema"),
			SqlIdentifier.of("events", "outbox.table"));

	private static final String SECRET_PAYLOAD = "{\"iban\":\"DE89370400440532013000\"}";

	private HikariDataSource dataSource;

	private DeadLetterWriter writer;

	private JdbcDeadLetters deadLetters;

	@BeforeEach
	void createSchema() throws SQLException {
		this.dataSource = TestPostgres.dataSource(TestPostgres.createDatabase());
		try (Connection connection = this.dataSource.getConnection()) {
			new OutboxSchema(TABLE, SqlIdentifier.of("events_pub", "outbox.replication.publication-name"))
				.create(connection);
		}
		this.writer = new DeadLetterWriter(this.dataSource, TABLE, BootLine.json());
		this.deadLetters = new JdbcDeadLetters(this.dataSource, TABLE, BootLine.json());
	}

	@AfterEach
	void closeDataSource() {
		this.dataSource.close();
	}

	@Test
	void storesTheParkedMessageWithItsAttemptsAndAnErrorThatNeverHoldsThePayload() {
		OutboxMessage message = message("Payment", "account-7", SECRET_PAYLOAD, Map.of("trace", "t-1", "tenant", "a"));
		this.writer.park(message, 3, new IllegalStateException("broker rejected " + SECRET_PAYLOAD));

		assertThat(this.deadLetters.count()).isEqualTo(1);
		ParkedMessage parked = this.deadLetters.list(0, 10).get(0);
		assertThat(parked.id()).isEqualTo(message.id());
		assertThat(parked.type()).isEqualTo("Payment");
		assertThat(parked.key()).isEqualTo("account-7");
		assertThat(parked.payload()).isEqualTo(SECRET_PAYLOAD);
		assertThat(parked.headers()).isEqualTo(Map.of("trace", "t-1", "tenant", "a"));
		assertThat(parked.committedAt()).isEqualTo(message.committedAt());
		assertThat(parked.lsn()).isEqualTo(message.lsn());
		assertThat(parked.attempts()).isEqualTo(3);
		assertThat(parked.lastError()).isEqualTo("java.lang.IllegalStateException: broker rejected [payload]");
		assertThat(parked.parkedAt()).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(60));
		assertThat(parked.toString()).doesNotContain("DE89");
	}

	@Test
	void parkingAMessageAgainKeepsOneRowWithTheLatestAttempts() {
		OutboxMessage message = message("M", "k", "{}", Map.of());
		this.writer.park(message, 3, new IllegalStateException("first"));
		// read again after a crash before the position was confirmed, and parked again
		this.writer.park(message, 5, new IllegalStateException("second"));
		assertThat(this.deadLetters.count()).isEqualTo(1);
		ParkedMessage parked = this.deadLetters.list(0, 10).get(0);
		assertThat(parked.attempts()).isEqualTo(5);
		assertThat(parked.lastError()).endsWith("second");
		assertThat(parked.headers()).isEmpty();
	}

	@Test
	void listsOldestParkedFirstOnePageAtATime() {
		List<UUID> ids = parkSeveral(5);
		assertThat(this.deadLetters.list(0, 2)).extracting(ParkedMessage::id).containsExactly(ids.get(0), ids.get(1));
		assertThat(this.deadLetters.list(2, 2)).extracting(ParkedMessage::id).containsExactly(ids.get(2), ids.get(3));
		assertThat(this.deadLetters.list(4, 2)).extracting(ParkedMessage::id).containsExactly(ids.get(4));
		assertThat(this.deadLetters.list(5, 2)).isEmpty();
		assertThat(this.deadLetters.list(0, 0)).isEmpty();
	}

	@Test
	void replayMovesTheMessageIntoTheOutboxWithItsIdReplacingARowLeftThere() throws SQLException {
		OutboxMessage message = message("M", "k", "{\"n\":1}", Map.of("h", "v"));
		// the outbox row of a parked message may not be cleaned up yet
		try (Connection connection = this.dataSource.getConnection()) {
			OutboxWriter.table(TABLE)
				.insert(connection,
						List.of(new OutboxWriter.Row(message.id(), "M", "k", "{\"n\":1}", "{\"h\":\"v\"}")));
		}
		this.writer.park(message, 2, new IllegalStateException("refused"));

		assertThat(this.deadLetters.replay(message.id())).isTrue();
		assertThat(this.deadLetters.count()).isZero();
		assertThat(query("SELECT count(*) FROM public.events WHERE id = '" + message.id() + "'")).isEqualTo("1");
		assertThat(query("SELECT type || ' ' || msg_key || ' ' || payload::text || ' ' || headers::text"
				+ " FROM public.events WHERE id = '" + message.id() + "'"))
			.isEqualTo("M k {\"n\":1} {\"h\": \"v\"}");
		assertThat(this.deadLetters.replay(message.id())).as("replayed already").isFalse();
		assertThat(this.deadLetters.replay(UUID.randomUUID())).isFalse();
	}

	@Test
	void replayAllReplaysEveryParkedMessageInParkingOrder() {
		List<UUID> ids = parkSeveral(3);
		assertThat(this.deadLetters.replayAll()).isEqualTo(3);
		assertThat(this.deadLetters.count()).isZero();
		assertThat(query("SELECT string_agg(id::text, ',' ORDER BY seq) FROM public.events"))
			.isEqualTo(String.join(",", ids.stream().map(UUID::toString).toList()));
		assertThat(this.deadLetters.replayAll()).isZero();
	}

	@Test
	void deleteRemovesOnlyThatMessage() {
		List<UUID> ids = parkSeveral(2);
		assertThat(this.deadLetters.delete(ids.get(0))).isTrue();
		assertThat(this.deadLetters.delete(ids.get(0))).isFalse();
		assertThat(this.deadLetters.list(0, 10)).extracting(ParkedMessage::id).containsExactly(ids.get(1));
		assertThat(query("SELECT count(*) FROM public.events")).as("nothing replayed").isEqualTo("0");
	}

	@Test
	void rejectsInvalidArgumentsNamingThem() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.deadLetters.list(-1, 10))
			.withMessageContaining("'offset'");
		assertThatIllegalArgumentException().isThrownBy(() -> this.deadLetters.list(0, -1))
			.withMessageContaining("'limit'");
		assertThatIllegalArgumentException().isThrownBy(() -> this.deadLetters.replay(null))
			.withMessageContaining("'id'");
		assertThatIllegalArgumentException().isThrownBy(() -> this.deadLetters.delete(null))
			.withMessageContaining("'id'");
		assertThatIllegalArgumentException().isThrownBy(() -> new JdbcDeadLetters(null, TABLE, BootLine.json()))
			.withMessageContaining("'dataSource'");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new DeadLetterWriter(this.dataSource, null, BootLine.json()))
			.withMessageContaining("'table'");
	}

	@Test
	void failsWithADeadLetterExceptionThatNeverHoldsThePayloadWhenTheTableIsMissing() {
		TestPostgres.execute(query("SELECT current_database()"), "DROP TABLE public.events_dead_letters");
		assertThatExceptionOfType(DeadLetterException.class).isThrownBy(this.deadLetters::count)
			.withMessageContaining("42P01");
		assertThatExceptionOfType(DeadLetterException.class)
			.isThrownBy(() -> this.writer.park(message("M", "k", SECRET_PAYLOAD, Map.of()), 1, new RuntimeException()))
			.withMessageContaining("42P01")
			.withMessageNotContaining("DE89");
	}

	private List<UUID> parkSeveral(int count) {
		List<UUID> ids = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			OutboxMessage message = message("M", "k" + i, "{\"n\":" + i + "}", Map.of());
			this.writer.park(message, 1, new IllegalStateException("refused"));
			ids.add(message.id());
		}
		return ids;
	}

	private String query(String sql) {
		return TestPostgres.queryForString(this.dataSource, sql);
	}

	private static OutboxMessage message(String type, String key, String payload, Map<String, String> headers) {
		return new OutboxMessage(MessageIds.next(), type, key, payload, headers,
				Instant.now().truncatedTo(ChronoUnit.MICROS), Lsn.valueOf("16/B374D848"));
	}

}
