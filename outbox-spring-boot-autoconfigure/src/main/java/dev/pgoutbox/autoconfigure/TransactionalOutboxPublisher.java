package dev.pgoutbox.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DataSourceUtils;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.pgoutbox.OutboundMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.OutboxWriteException;
import dev.pgoutbox.schema.MessageIds;
import dev.pgoutbox.schema.OutboxWriter;

/**
 * {@link OutboxPublisher} that writes through the application's {@link DataSource} on
 * the connection of the current Spring-managed transaction (JDBC or JPA alike), or in a
 * transaction of its own when there is none. Messages are validated and serialized
 * before anything is written.
 */
public class TransactionalOutboxPublisher implements OutboxPublisher {

	private static final int MAX_TYPE_LENGTH = 255;

	private static final int MAX_KEY_LENGTH = 1024;

	private final DataSource dataSource;

	private final OutboxWriter writer;

	private final ObjectMapper objectMapper;

	private final long maxPayloadBytes;

	public TransactionalOutboxPublisher(DataSource dataSource, OutboxWriter writer, ObjectMapper objectMapper,
			long maxPayloadBytes) {
		this.dataSource = dataSource;
		this.writer = writer;
		this.objectMapper = objectMapper;
		this.maxPayloadBytes = maxPayloadBytes;
	}

	@Override
	public UUID publish(String type, String key, Object payload, Map<String, String> headers) {
		return write(List.of(row(type, key, payload, headers))).get(0);
	}

	@Override
	public List<UUID> publishAll(List<OutboundMessage> messages) {
		if (messages == null) {
			throw new OutboxWriteException("'messages' must not be null");
		}
		if (messages.isEmpty()) {
			return List.of();
		}
		List<OutboxWriter.Row> rows = new ArrayList<>(messages.size());
		for (OutboundMessage message : messages) {
			if (message == null) {
				throw new OutboxWriteException("'messages' must not contain null");
			}
			rows.add(row(message.type(), message.key(), message.payload(), message.headers()));
		}
		return write(rows);
	}

	private OutboxWriter.Row row(String type, String key, Object payload, Map<String, String> headers) {
		requireText(type, "type", MAX_TYPE_LENGTH);
		requireText(key, "key", MAX_KEY_LENGTH);
		if (payload == null) {
			throw new OutboxWriteException("'payload' of a message of type '" + type + "' must not be null");
		}
		String json = toJson(payload, type);
		if (json.length() > this.maxPayloadBytes / 4
				&& json.getBytes(StandardCharsets.UTF_8).length > this.maxPayloadBytes) {
			throw new OutboxWriteException("The payload of a message of type '" + type + "' is larger than "
					+ this.maxPayloadBytes + " bytes (outbox.max-payload-size)");
		}
		String headersJson = null;
		if (headers != null && !headers.isEmpty()) {
			headers.forEach((name, value) -> {
				if (name == null || value == null) {
					throw new OutboxWriteException("Headers of a message of type '" + type + "' must not hold null");
				}
			});
			headersJson = toJson(headers, type);
		}
		return new OutboxWriter.Row(MessageIds.next(), type, key, json, headersJson);
	}

	private String toJson(Object value, String type) {
		try {
			return this.objectMapper.writeValueAsString(value);
		}
		catch (JsonProcessingException | RuntimeException ex) {
			throw new OutboxWriteException("The payload of a message of type '" + type
					+ "' could not be serialized to JSON: " + ex.getMessage(), ex);
		}
	}

	private static void requireText(String value, String name, int maxLength) {
		if (value == null || value.isBlank()) {
			throw new OutboxWriteException("'" + name + "' must not be null or blank");
		}
		if (value.length() > maxLength) {
			throw new OutboxWriteException("'" + name + "' must be at most " + maxLength + " characters");
		}
		if (value.indexOf('\0') >= 0) {
			throw new OutboxWriteException("'" + name + "' must not contain the NUL character");
		}
	}

	private List<UUID> write(List<OutboxWriter.Row> rows) {
		Connection connection = DataSourceUtils.getConnection(this.dataSource);
		try {
			if (rows.size() == 1 || DataSourceUtils.isConnectionTransactional(connection, this.dataSource)
					|| !connection.getAutoCommit()) {
				this.writer.insert(connection, rows);
			}
			else {
				insertInOwnTransaction(connection, rows);
			}
			return rows.stream().map(OutboxWriter.Row::id).toList();
		}
		catch (SQLException ex) {
			throw new OutboxWriteException("Could not write " + rows.size() + " outbox message(s): " + ex.getMessage(),
					ex);
		}
		finally {
			DataSourceUtils.releaseConnection(connection, this.dataSource);
		}
	}

	private void insertInOwnTransaction(Connection connection, List<OutboxWriter.Row> rows) throws SQLException {
		connection.setAutoCommit(false);
		try {
			this.writer.insert(connection, rows);
			connection.commit();
		}
		catch (SQLException | RuntimeException ex) {
			connection.rollback();
			throw ex;
		}
		finally {
			connection.setAutoCommit(true);
		}
	}

}
