package dev.pgoutbox.autoconfigure;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import javax.sql.DataSource;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.SenderContext;

import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import dev.pgoutbox.JsonCodec;
import dev.pgoutbox.OutboundMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.OutboxWriteException;
import dev.pgoutbox.schema.MessageIds;
import dev.pgoutbox.schema.OutboxPartition;
import dev.pgoutbox.schema.OutboxWriter;

/**
 * {@link OutboxPublisher} that writes through the application's {@link DataSource} on the
 * connection of the current Spring-managed transaction (JDBC or JPA alike), or in a
 * transaction of its own, which it commits, when none is active: whatever the pool's
 * auto-commit setting, a call that returns has written its messages. Messages are
 * validated and serialized before anything is written.
 */
public class TransactionalOutboxPublisher implements OutboxPublisher {

	private static final int MAX_TYPE_LENGTH = 255;

	private static final int MAX_KEY_LENGTH = 1024;

	private final DataSource dataSource;

	private final OutboxWriter writer;

	private final JsonCodec json;

	private volatile ObservationRegistry observationRegistry = ObservationRegistry.NOOP;

	private final long maxPayloadBytes;

	/**
	 * Creates a publisher.
	 * @param dataSource the application's data source, not {@code null}
	 * @param writer writes the rows, not {@code null}
	 * @param json writes payloads and headers as JSON, with the application's mapper, not
	 * {@code null}
	 * @param maxPayloadBytes the most UTF-8 bytes a message's payload and headers may
	 * take together, as JSON
	 */
	public TransactionalOutboxPublisher(DataSource dataSource, OutboxWriter writer, JsonCodec json,
			long maxPayloadBytes) {
		this.dataSource = dataSource;
		this.writer = writer;
		this.json = json;
		this.maxPayloadBytes = maxPayloadBytes;
	}

	/**
	 * Sets the registry for the {@code outbox.write} observation.
	 * @param observationRegistry the registry, not {@code null}
	 */
	public void setObservationRegistry(ObservationRegistry observationRegistry) {
		this.observationRegistry = observationRegistry;
	}

	@Override
	public UUID publish(String type, String key, Object payload, Map<String, String> headers) {
		return observed(1, (traceHeaders) -> write(List.of(row(type, key, payload, headers, null, traceHeaders))))
			.get(0);
	}

	@Override
	public List<UUID> publishAll(List<OutboundMessage> messages) {
		if (messages == null) {
			throw new OutboxWriteException("'messages' must not be null");
		}
		if (messages.isEmpty()) {
			return List.of();
		}
		return observed(messages.size(), (traceHeaders) -> {
			List<OutboxWriter.Row> rows = new ArrayList<>(messages.size());
			for (OutboundMessage message : messages) {
				if (message == null) {
					throw new OutboxWriteException("'messages' must not contain null");
				}
				rows.add(row(message.type(), message.key(), message.payload(), message.headers(), message.partition(),
						traceHeaders));
			}
			return write(rows);
		});
	}

	/**
	 * Runs the write in an {@code outbox.write} observation when observations are on, so
	 * that tracing puts the current trace context into the messages' headers.
	 */
	private List<UUID> observed(int count, Function<Map<String, String>, List<UUID>> write) {
		if (this.observationRegistry.isNoop()) {
			return write.apply(Map.of());
		}
		SenderContext<Map<String, String>> context = new SenderContext<>(Map::put);
		context.setCarrier(new LinkedHashMap<>());
		context.setRemoteServiceName("outbox");
		return Observation.createNotStarted("outbox.write", () -> context, this.observationRegistry)
			.contextualName("outbox write")
			.highCardinalityKeyValue("outbox.messages", String.valueOf(count))
			.observe(() -> write.apply(context.getCarrier()));
	}

	private OutboxWriter.Row row(String type, String key, Object payload, Map<String, String> headers, String partition,
			Map<String, String> traceHeaders) {
		String partitionKey = (partition != null) ? partition : OutboxPartition.DEFAULT;
		try {
			OutboxPartition.checkKey(partitionKey, "partition");
		}
		catch (IllegalArgumentException ex) {
			throw new OutboxWriteException(ex.getMessage());
		}
		MessageText.requireText(type, "type", MAX_TYPE_LENGTH);
		MessageText.requireText(key, "key", MAX_KEY_LENGTH);
		if (payload == null) {
			throw new OutboxWriteException("'payload' of a message of type '" + type + "' must not be null");
		}
		if (!traceHeaders.isEmpty()) {
			// the writer's own headers win over trace headers of the same name
			Map<String, String> merged = new LinkedHashMap<>(traceHeaders);
			if (headers != null) {
				merged.putAll(headers);
			}
			headers = merged;
		}
		String headersJson = null;
		long headersBytes = 0;
		if (headers != null && !headers.isEmpty()) {
			MessageText.requireHeaders(headers, type);
			headersJson = toJson(headers, type);
			headersBytes = MessageText.utf8Length(headersJson, "headers", type);
		}
		String json = toJson(payload, type);
		long payloadBytes = MessageText.utf8Length(json, "payload", type);
		if (payloadBytes + headersBytes > this.maxPayloadBytes) {
			throw tooLarge(type, payloadBytes, headersBytes);
		}
		return new OutboxWriter.Row(MessageIds.next(), type, key, json, headersJson, partitionKey);
	}

	private OutboxWriteException tooLarge(String type, long payloadBytes, long headersBytes) {
		if (headersBytes == 0) {
			return new OutboxWriteException(
					"The payload of a message of type '" + type + "' is larger than " + this.maxPayloadBytes
							+ " bytes (outbox.max-payload-size): its JSON takes " + payloadBytes + " bytes");
		}
		return new OutboxWriteException("The payload and headers of a message of type '" + type + "' are larger than "
				+ this.maxPayloadBytes + " bytes (outbox.max-payload-size), which counts both: "
				+ "the payload's JSON takes " + payloadBytes + " bytes, the headers' JSON " + headersBytes);
	}

	private String toJson(Object value, String type) {
		try {
			return this.json.write(value);
		}
		catch (RuntimeException ex) {
			throw new OutboxWriteException("The payload of a message of type '" + type
					+ "' could not be serialized to JSON: " + ex.getMessage(), ex);
		}
	}

	private List<UUID> write(List<OutboxWriter.Row> rows) {
		Connection connection = DataSourceUtils.getConnection(this.dataSource);
		try {
			if (joinsTransaction(connection)) {
				this.writer.insert(connection, rows);
			}
			else {
				insertAndCommit(connection, rows);
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

	/**
	 * Whether the rows go into the current Spring-managed transaction, which commits or
	 * rolls them back with the caller's data. A connection that is merely bound to the
	 * thread (in a {@code SUPPORTS} scope, say), or that the pool hands out with
	 * auto-commit off, is in no transaction anyone will commit: written there without a
	 * commit, the rows would be rolled back when the connection returns to the pool.
	 */
	private boolean joinsTransaction(Connection connection) {
		return TransactionSynchronizationManager.isActualTransactionActive()
				&& DataSourceUtils.isConnectionTransactional(connection, this.dataSource);
	}

	/**
	 * Inserts the rows in a transaction of their own and commits it, so that a call that
	 * returns has written its messages, all or none; the connection's auto-commit state
	 * is left as it was.
	 */
	private void insertAndCommit(Connection connection, List<OutboxWriter.Row> rows) throws SQLException {
		boolean autoCommit = connection.getAutoCommit();
		if (autoCommit && rows.size() == 1) {
			// one statement in auto-commit mode is a transaction of its own, one round
			// trip
			// cheaper
			this.writer.insert(connection, rows);
			return;
		}
		if (autoCommit) {
			connection.setAutoCommit(false);
		}
		try {
			this.writer.insert(connection, rows);
			connection.commit();
		}
		catch (SQLException | RuntimeException ex) {
			rollback(connection, ex);
			throw ex;
		}
		finally {
			if (autoCommit) {
				connection.setAutoCommit(true);
			}
		}
	}

	private static void rollback(Connection connection, Exception failure) {
		try {
			connection.rollback();
		}
		catch (SQLException ex) {
			failure.addSuppressed(ex);
		}
	}

}
