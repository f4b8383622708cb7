package dev.pgoutbox.replication;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import dev.pgoutbox.JsonCodec;
import dev.pgoutbox.Lsn;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.pgoutput.Insert;
import dev.pgoutbox.pgoutput.LogicalMessage;
import dev.pgoutbox.pgoutput.Relation;
import dev.pgoutbox.pgoutput.TupleData;
import dev.pgoutbox.schema.OutboxPartition;
import dev.pgoutbox.schema.OutboxTable;
import dev.pgoutbox.schema.OutboxWriter;
import dev.pgoutbox.schema.WalMessageFormat;

/**
 * Turns decoded inserts into the outbox table, and the outbox's logical decoding
 * messages, into {@link OutboxMessage}s, learning the table's column layout from the
 * stream's Relation messages.
 *
 * <p>
 * Not thread-safe: used by the one reader thread.
 */
final class OutboxRowMapper {

	private final OutboxTable table;

	private final String partition;

	private final JsonCodec json;

	private final String walPrefix;

	private final Map<Integer, Layout> layouts = new HashMap<>();

	/**
	 * Creates a mapper for the outbox table.
	 * @param table the outbox table
	 * @param partition the only partition to map, or {@code null} for every row; servers
	 * before PostgreSQL 15 cannot filter a publication's rows, so the relay does it here
	 * @param json reads the headers column
	 * @param walPrefix the prefix of the outbox's logical decoding messages
	 */
	OutboxRowMapper(OutboxTable table, String partition, JsonCodec json, String walPrefix) {
		this.table = table;
		this.partition = partition;
		this.json = json;
		this.walPrefix = walPrefix;
	}

	/**
	 * Learns a relation; relations other than the outbox table are remembered as not
	 * ours.
	 * @param relation the decoded Relation message
	 */
	void learn(Relation relation) {
		boolean ours = this.table.schema().name().equals(relation.namespace())
				&& this.table.table().name().equals(relation.name());
		this.layouts.put(relation.oid(), ours ? Layout.of(relation) : Layout.NOT_OURS);
	}

	/**
	 * Maps an insert read in the transaction that commits at {@code commitLsn}.
	 * @return the message, or {@code null} if the insert is into another table
	 * @throws IllegalStateException if no Relation message preceded the insert
	 */
	OutboxMessage map(Insert insert, Instant committedAt, Lsn commitLsn) {
		Layout layout = this.layouts.get(insert.relationOid());
		if (layout == null) {
			throw new IllegalStateException("Insert for relation " + insert.relationOid()
					+ " arrived before its Relation message; the stream is out of step");
		}
		if (layout == Layout.NOT_OURS) {
			return null;
		}
		TupleData tuple = insert.tuple();
		if (this.partition != null && layout.partition >= 0 && !this.partition.equals(tuple.value(layout.partition))) {
			return null;
		}
		return message(tuple.value(layout.id), tuple.value(layout.type), tuple.value(layout.key),
				tuple.value(layout.payload), tuple.value(layout.headers), committedAt, commitLsn,
				(layout.partition >= 0) ? tuple.value(layout.partition) : null);
	}

	/**
	 * Maps a logical decoding message read in the transaction that commits at
	 * {@code commitLsn}. Every slot receives every such message, whatever its
	 * publication: the relay keeps those of its outbox and partition.
	 * @return the message, or {@code null} if it is not one of this outbox's messages, of
	 * this partition
	 * @throws IllegalStateException if the content is not a message of a known format
	 */
	OutboxMessage map(LogicalMessage logical, Instant committedAt, Lsn commitLsn) {
		if (!logical.transactional() || !this.walPrefix.equals(logical.prefix())) {
			return null;
		}
		OutboxWriter.Row row;
		try {
			row = WalMessageFormat.decode(logical.content());
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException(ex.getMessage() + " (at " + logical.lsn().asString() + ")", ex);
		}
		if (this.partition != null && !this.partition.equals(row.partition())) {
			return null;
		}
		return new OutboxMessage(row.id(), row.type(), row.key(), row.payloadJson(), readHeaders(row.headersJson()),
				committedAt, commitLsn, row.partition());
	}

	/**
	 * Builds a message from the text forms of the outbox columns.
	 */
	OutboxMessage message(String id, String type, String key, String payload, String headers, Instant committedAt,
			Lsn lsn, String partition) {
		return new OutboxMessage(UUID.fromString(id), type, key, payload, readHeaders(headers), committedAt, lsn,
				(partition != null) ? partition : OutboxPartition.DEFAULT);
	}

	private Map<String, String> readHeaders(String headers) {
		try {
			return this.json.readHeaders(headers);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("Outbox headers are not a JSON object of strings", ex);
		}
	}

	/** Where each outbox column sits in a row of the relation. */
	private record Layout(int id, int type, int key, int payload, int headers, int partition) {

		static final Layout NOT_OURS = new Layout(-1, -1, -1, -1, -1, -1);

		static Layout of(Relation relation) {
			// a table from before partitions has no partition_key column: all its rows
			// are 'default'
			return new Layout(index(relation, "id"), index(relation, "type"), index(relation, "msg_key"),
					index(relation, "payload"), index(relation, "headers"), relation.indexOf("partition_key"));
		}

		private static int index(Relation relation, String column) {
			int index = relation.indexOf(column);
			if (index < 0) {
				throw new IllegalStateException("The outbox table " + relation.namespace() + "." + relation.name()
						+ " has no column '" + column + "'; create it with the DDL the outbox ships");
			}
			return index;
		}

	}

}
