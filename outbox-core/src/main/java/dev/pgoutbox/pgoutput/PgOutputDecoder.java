package dev.pgoutbox.pgoutput;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.pgoutbox.Lsn;

/**
 * Decodes {@code pgoutput} logical replication messages of protocol version 1, in text
 * format, without streaming or two-phase commit: Begin, Commit, Relation, Insert and
 * logical decoding Message are read, the others skipped.
 *
 * <p>
 * Instances are stateless and thread-safe.
 */
public final class PgOutputDecoder {

	/** Seconds from the Unix epoch to PostgreSQL's epoch, 2000-01-01T00:00:00Z. */
	private static final long POSTGRES_EPOCH_SECONDS = 946_684_800L;

	/**
	 * Decodes one pgoutput message, the whole payload of one XLogData, starting with its
	 * tag byte at the buffer's position. The buffer's position and limit are left as they
	 * were.
	 * @param buffer the message, neither necessarily array-backed nor at position 0
	 * @return the decoded message, never {@code null}
	 * @throws PgOutputException on an unknown tag or a malformed message
	 */
	public PgOutputMessage decode(ByteBuffer buffer) {
		if (buffer == null) {
			throw new IllegalArgumentException("'buffer' must not be null");
		}
		if (!buffer.hasRemaining()) {
			throw PgOutputException.truncated("(empty)", "a message tag byte", 0, 0);
		}
		int tag = buffer.get(buffer.position()) & 0xFF;
		return switch (tag) {
			case 'B' -> begin(new MessageReader(buffer, "Begin"));
			case 'C' -> commit(new MessageReader(buffer, "Commit"));
			case 'R' -> relation(new MessageReader(buffer, "Relation"));
			case 'I' -> insert(new MessageReader(buffer, "Insert"));
			case 'M' -> logicalMessage(new MessageReader(buffer, "Message"));
			// One XLogData carries exactly one message, so an unparsed body hides
			// nothing.
			case 'O', 'Y', 'U', 'D', 'T' -> new Skipped((char) tag);
			default -> throw PgOutputException.unsupportedTag(tag);
		};
	}

	// Begin: Byte1('B'), Int64 final LSN, Int64 commit timestamp, Int32 xid
	private Begin begin(MessageReader in) {
		Lsn finalLsn = Lsn.valueOf(in.readLong("final LSN"));
		Instant commitTime = timestamp(in.readLong("commit timestamp"));
		int xid = in.readInt("xid");
		return new Begin(finalLsn, commitTime, xid);
	}

	// Commit: Byte1('C'), Int8 flags (unused), Int64 commit LSN, Int64 end LSN, Int64
	// commit timestamp
	private Commit commit(MessageReader in) {
		in.readByte("flags");
		Lsn commitLsn = Lsn.valueOf(in.readLong("commit LSN"));
		Lsn endLsn = Lsn.valueOf(in.readLong("end LSN"));
		Instant commitTime = timestamp(in.readLong("commit timestamp"));
		return new Commit(commitLsn, endLsn, commitTime);
	}

	// Relation: Byte1('R'), Int32 OID, String namespace, String name, Int8 replica
	// identity,
	// Int16 column count, then per column: Int8 flags (1 = key), String name, Int32 type
	// OID, Int32 typmod
	private Relation relation(MessageReader in) {
		int oid = in.readInt("relation OID");
		String namespace = in.readString("namespace");
		String name = in.readString("relation name");
		in.readByte("replica identity");
		int count = in.readUnsignedShort("column count");
		List<Relation.Column> columns = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			boolean partOfKey = (in.readByte("column flags") & 1) != 0;
			String columnName = in.readString("column name");
			int typeOid = in.readInt("column type OID");
			int typeModifier = in.readInt("column type modifier");
			columns.add(new Relation.Column(columnName, typeOid, typeModifier, partOfKey));
		}
		return new Relation(oid, namespace, name, columns);
	}

	// Insert: Byte1('I'), Int32 relation OID, Byte1('N'), TupleData
	private Insert insert(MessageReader in) {
		int relationOid = in.readInt("relation OID");
		int marker = in.readByte("new tuple marker 'N'") & 0xFF;
		if (marker != 'N') {
			throw PgOutputException.malformed(in.messageType(),
					"expected new tuple marker 'N' but found " + PgOutputException.describe(marker));
		}
		return new Insert(relationOid, tupleData(in));
	}

	// Message: Byte1('M'), Int8 flags (1 = transactional), Int64 LSN, String prefix,
	// Int32 content length, Byten content (protocol version 1: no xid)
	private LogicalMessage logicalMessage(MessageReader in) {
		int flags = in.readByte("flags") & 0xFF;
		if ((flags & ~1) != 0) {
			throw PgOutputException.malformed(in.messageType(), "unknown flags " + PgOutputException.describe(flags));
		}
		Lsn lsn = Lsn.valueOf(in.readLong("message LSN"));
		String prefix = in.readString("prefix");
		int length = in.readInt("content length");
		if (length < 0) {
			throw PgOutputException.malformed(in.messageType(), "negative content length " + length);
		}
		return new LogicalMessage(flags == 1, lsn, prefix, in.readBytes(length, "content"));
	}

	// TupleData: Int16 column count, then per column one of Byte1('n') null,
	// Byte1('u') unchanged TOAST, Byte1('t') Int32 length + text, Byte1('b') Int32 length
	// + binary
	private TupleData tupleData(MessageReader in) {
		int count = in.readUnsignedShort("tuple column count");
		String[] values = new String[count];
		boolean[] unchanged = null;
		for (int i = 0; i < count; i++) {
			int kind = in.readByte("tuple value kind") & 0xFF;
			switch (kind) {
				case 't' -> values[i] = text(in, i);
				case 'n' -> values[i] = null;
				case 'u' -> {
					unchanged = (unchanged != null) ? unchanged : new boolean[count];
					unchanged[i] = true;
				}
				case 'b' -> throw PgOutputException.malformed(in.messageType(), "column " + i
						+ " has a binary value ('b'), which is not supported because the outbox requests text format");
				default -> throw PgOutputException.malformed(in.messageType(),
						"column " + i + " has unknown value kind " + PgOutputException.describe(kind));
			}
		}
		return new TupleData(values, unchanged);
	}

	private String text(MessageReader in, int column) {
		int length = in.readInt("tuple value length");
		if (length < 0) {
			throw PgOutputException.malformed(in.messageType(),
					"column " + column + " has negative value length " + length);
		}
		return in.readText(length, "tuple value");
	}

	private static Instant timestamp(long microsSincePostgresEpoch) {
		return Instant.ofEpochSecond(POSTGRES_EPOCH_SECONDS + Math.floorDiv(microsSincePostgresEpoch, 1_000_000L),
				Math.floorMod(microsSincePostgresEpoch, 1_000_000L) * 1_000L);
	}

}
