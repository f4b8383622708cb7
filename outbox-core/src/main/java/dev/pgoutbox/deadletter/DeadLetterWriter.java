package dev.pgoutbox.deadletter;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import javax.sql.DataSource;

import dev.pgoutbox.DeadLetterException;
import dev.pgoutbox.JsonCodec;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.schema.OutboxSchema;
import dev.pgoutbox.schema.OutboxTable;

/**
 * Parks messages: inserts each into the dead-letter table and commits before returning,
 * so that the caller may then count it as done.
 *
 * <p>
 * Thread-safe; each call takes a connection of its own from the {@link DataSource}.
 */
public final class DeadLetterWriter {

	/** Seconds an insert may take before it is cancelled and tried again later. */
	private static final int QUERY_TIMEOUT_SECONDS = 30;

	private final DataSource dataSource;

	private final String insertSql;

	private final JsonCodec json;

	/**
	 * Creates a writer.
	 * @param dataSource connections to the outbox's database, not {@code null}
	 * @param table the outbox table, whose dead-letter table is written, not {@code null}
	 * @param json writes the headers column, not {@code null}
	 */
	public DeadLetterWriter(DataSource dataSource, OutboxTable table, JsonCodec json) {
		if (dataSource == null) {
			throw new IllegalArgumentException("'dataSource' must not be null");
		}
		if (table == null) {
			throw new IllegalArgumentException("'table' must not be null");
		}
		if (json == null) {
			throw new IllegalArgumentException("'json' must not be null");
		}
		this.dataSource = dataSource;
		this.json = json;
		// a message read again after a crash may be parked twice: keep one row, the
		// latest
		this.insertSql = "INSERT INTO " + OutboxSchema.qualifiedDeadLetterTable(table)
				+ " (id, type, msg_key, payload, headers, committed_at, lsn, attempts, last_error, partition_key, handler)"
				+ " VALUES (?, ?, ?, ?::json, ?::jsonb, ?, ?, ?, ?, ?, ?)"
				+ " ON CONFLICT (id, handler) DO UPDATE SET attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error,"
				+ " parked_at = now()";
	}

	/**
	 * Parks a message, returning once the row is committed.
	 * @param message the message, not {@code null}
	 * @param attempts the number of failed delivery attempts
	 * @param lastError what the last attempt threw, may be {@code null}
	 * @throws DeadLetterException if the row could not be written; its message never
	 * holds the payload
	 */
	public void park(OutboxMessage message, int attempts, Throwable lastError) {
		park("", message, attempts, lastError);
	}

	/**
	 * Parks a handler's message, returning once the row is committed.
	 * @param handler the name of the handler whose last attempt failed
	 * @param message the message, not {@code null}
	 * @param attempts the number of failed delivery attempts
	 * @param lastError what the last attempt threw, may be {@code null}
	 * @throws DeadLetterException if the row could not be written; its message never
	 * holds the payload
	 */
	public void park(String handler, OutboxMessage message, int attempts, Throwable lastError) {
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(this.insertSql)) {
			statement.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
			statement.setObject(1, message.id());
			statement.setString(2, message.type());
			statement.setString(3, message.key());
			statement.setString(4, message.payload());
			String headers = this.json.writeHeaders(message.headers());
			if (headers != null) {
				statement.setString(5, headers);
			}
			else {
				statement.setNull(5, Types.VARCHAR);
			}
			statement.setObject(6, OffsetDateTime.ofInstant(message.committedAt(), ZoneOffset.UTC));
			statement.setString(7, message.lsn().asString());
			statement.setInt(8, attempts);
			statement.setString(9, FailureText.describe(lastError, message.payload()));
			statement.setString(10, message.partition());
			statement.setString(11, handler);
			statement.executeUpdate();
			if (!connection.getAutoCommit()) {
				connection.commit();
			}
		}
		catch (SQLException ex) {
			// the driver's message may quote the row, so only a redacted description is
			// kept
			throw new DeadLetterException("Could not park outbox message " + message.id() + " (SQLState "
					+ ex.getSQLState() + "): " + FailureText.describe(ex, message.payload()), null);
		}
	}

}
