package dev.pgoutbox.schema;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.zip.DataFormatException;

/**
 * The content of an outbox message in the WAL store: what {@code publish} passes to
 * {@code pg_logical_emit_message} and the relay reads back. Version 2 is written:
 *
 * <pre>
 * Byte1   version, 2
 * Byte1   flags: 1 the payload is compressed, 2 a partition follows, 4 headers follow,
 *         8 handlers follow; any other bit set is refused
 * Int64   id, most significant bits (big-endian)
 * Int64   id, least significant bits
 * then fields, each its length in bytes as an unsigned LEB128 varint (7 bits a byte, low
 * bits first, at most 5 bytes) and that many bytes of UTF-8:
 *         type, key,
 *         partition (only with flag 2; without it the partition is 'default'),
 *         headers (only with flag 4; a JSON object),
 *         handlers (only with flag 8: the names of the only handlers a replayed dead
 *         letter goes to, comma-separated),
 *         payload (JSON); with flag 1 a varint of the payload's UTF-8 length comes first,
 *         and the field's bytes are that UTF-8 compressed with raw DEFLATE (RFC 1951)
 * </pre>
 *
 * Version 1, the first, is still read: after the version byte, the id as above, then
 * type, key, partition, headers (length -1 when absent) and payload, each an Int32 length
 * (big-endian) and that many bytes of UTF-8, then, in a replayed dead letter, handlers.
 *
 * <p>
 * A reader refuses a version or a flag it does not know rather than guess, so that a
 * newer writer never has its messages misread; fields are added at the end without a new
 * version, and a reader ignores bytes after the fields it knows.
 *
 * <p>
 * Stateless and thread-safe.
 */
public final class WalMessageFormat {

	/** The version written. */
	public static final int VERSION = 2;

	/**
	 * The smallest payload, in UTF-8 bytes, that {@link WalCompression#DEFLATE} tries.
	 */
	public static final int MIN_COMPRESSED_PAYLOAD = 64;

	static final int COMPRESSED = 1;

	static final int HAS_PARTITION = 2;

	static final int HAS_HEADERS = 4;

	static final int HAS_HANDLERS = 8;

	private static final int KNOWN_FLAGS = COMPRESSED | HAS_PARTITION | HAS_HEADERS | HAS_HANDLERS;

	private static final int MAX_PREFIX_LENGTH = 128;

	private WalMessageFormat() {
	}

	/**
	 * Encodes a message, compressing its payload if that makes it smaller.
	 * @param row the message
	 * @return the content to emit
	 */
	public static byte[] encode(OutboxWriter.Row row) {
		return encode(row, WalCompression.DEFLATE);
	}

	/**
	 * Encodes a message.
	 * @param row the message
	 * @param compression whether to compress its payload
	 * @return the content to emit
	 */
	public static byte[] encode(OutboxWriter.Row row, WalCompression compression) {
		byte[] type = utf8(row.type());
		byte[] key = utf8(row.key());
		byte[] partition = OutboxPartition.DEFAULT.equals(row.partition()) ? null : utf8(row.partition());
		byte[] headers = (row.headersJson() != null) ? utf8(row.headersJson()) : null;
		byte[] handlers = (row.handlers() != null) ? utf8(row.handlers()) : null;
		byte[] payload = utf8(row.payloadJson());
		byte[] compressed = (compression == WalCompression.DEFLATE && payload.length >= MIN_COMPRESSED_PAYLOAD)
				? Deflate.compressIfSmaller(payload) : null;
		int flags = ((compressed != null) ? COMPRESSED : 0) | ((partition != null) ? HAS_PARTITION : 0)
				| ((headers != null) ? HAS_HEADERS : 0) | ((handlers != null) ? HAS_HANDLERS : 0);
		byte[] stored = (compressed != null) ? compressed : payload;
		int size = 2 + 16 + sized(type) + sized(key) + sized(partition) + sized(headers) + sized(handlers)
				+ sized(stored) + ((compressed != null) ? varintSize(payload.length) : 0);
		ByteBuffer out = ByteBuffer.allocate(size);
		out.put((byte) VERSION).put((byte) flags);
		out.putLong(row.id().getMostSignificantBits());
		out.putLong(row.id().getLeastSignificantBits());
		put(out, type);
		put(out, key);
		put(out, partition);
		put(out, headers);
		put(out, handlers);
		if (compressed != null) {
			putVarint(out, payload.length);
		}
		put(out, stored);
		return out.array();
	}

	/**
	 * Decodes a message's content, of version 2 or 1.
	 * @param content the content as emitted
	 * @return the message
	 * @throws IllegalArgumentException if the content is not a message of a known version
	 */
	public static OutboxWriter.Row decode(byte[] content) {
		ByteBuffer in = ByteBuffer.wrap(content);
		if (!in.hasRemaining()) {
			throw new IllegalArgumentException("An outbox message in the WAL is empty");
		}
		int version = in.get() & 0xFF;
		if (version == 1) {
			return decodeVersion1(in);
		}
		if (version != VERSION) {
			throw new IllegalArgumentException("An outbox message in the WAL has format version " + version
					+ ", but this relay reads versions 1 and " + VERSION + " only; upgrade the relay");
		}
		require(in, 1, "flags");
		int flags = in.get() & 0xFF;
		if ((flags & ~KNOWN_FLAGS) != 0) {
			throw new IllegalArgumentException("An outbox message in the WAL has flags " + flags
					+ ", of which this relay knows " + KNOWN_FLAGS + " only; upgrade the relay");
		}
		require(in, 16, "id");
		UUID id = new UUID(in.getLong(), in.getLong());
		String type = text(in, "type");
		String key = text(in, "key");
		String partition = ((flags & HAS_PARTITION) != 0) ? text(in, "partition") : OutboxPartition.DEFAULT;
		String headers = ((flags & HAS_HEADERS) != 0) ? text(in, "headers") : null;
		String handlers = ((flags & HAS_HANDLERS) != 0) ? text(in, "handlers") : null;
		String payload = ((flags & COMPRESSED) != 0) ? compressedText(in, "payload") : text(in, "payload");
		return new OutboxWriter.Row(id, type, key, payload, headers, partition, handlers);
	}

	private static OutboxWriter.Row decodeVersion1(ByteBuffer in) {
		require(in, 16, "id");
		UUID id = new UUID(in.getLong(), in.getLong());
		String type = version1Text(in, "type", false);
		String key = version1Text(in, "key", false);
		String partition = version1Text(in, "partition", false);
		String headers = version1Text(in, "headers", true);
		String payload = version1Text(in, "payload", false);
		String handlers = (in.remaining() >= 4) ? version1Text(in, "handlers", true) : null;
		return new OutboxWriter.Row(id, type, key, payload, headers, partition, handlers);
	}

	/**
	 * Returns the prefix messages of an outbox table are emitted with unless configured:
	 * {@code outbox:} and the table's schema and name, so that two outboxes in one
	 * database never read each other's messages.
	 * @param table the outbox table
	 * @return the prefix, such as {@code outbox:public.outbox}
	 */
	public static String defaultPrefix(OutboxTable table) {
		return "outbox:" + table.schema().name() + "." + table.table().name();
	}

	/**
	 * Checks a configured prefix: 1 to 128 characters, of letters, digits and
	 * {@code _ . : - /}.
	 * @param prefix the prefix
	 * @param property the configuration property it came from, for the error message
	 * @return the prefix
	 * @throws IllegalArgumentException if the prefix is not allowed
	 */
	public static String checkPrefix(String prefix, String property) {
		if (prefix == null || prefix.isEmpty() || prefix.length() > MAX_PREFIX_LENGTH) {
			throw new IllegalArgumentException("'" + property + "' must be 1 to " + MAX_PREFIX_LENGTH
					+ " characters long but is '" + prefix + "'");
		}
		for (int i = 0; i < prefix.length(); i++) {
			char c = prefix.charAt(i);
			boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
					|| c == '.' || c == ':' || c == '-' || c == '/';
			if (!allowed) {
				throw new IllegalArgumentException("'" + property + "' is '" + prefix + "', whose character at index "
						+ i + " is not allowed: use letters, digits and _ . : - /");
			}
		}
		return prefix;
	}

	private static byte[] utf8(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	private static int sized(byte[] bytes) {
		return (bytes != null) ? varintSize(bytes.length) + bytes.length : 0;
	}

	private static int varintSize(int value) {
		int size = 1;
		for (int rest = value >>> 7; rest != 0; rest >>>= 7) {
			size++;
		}
		return size;
	}

	private static void put(ByteBuffer out, byte[] bytes) {
		if (bytes != null) {
			putVarint(out, bytes.length);
			out.put(bytes);
		}
	}

	private static void putVarint(ByteBuffer out, int value) {
		int rest = value;
		while ((rest & ~0x7F) != 0) {
			out.put((byte) ((rest & 0x7F) | 0x80));
			rest >>>= 7;
		}
		out.put((byte) rest);
	}

	private static int varint(ByteBuffer in, String field) {
		long value = 0;
		for (int shift = 0; shift < 35; shift += 7) {
			require(in, 1, field);
			int b = in.get() & 0xFF;
			value |= (long) (b & 0x7F) << shift;
			if ((b & 0x80) == 0) {
				if (value > Integer.MAX_VALUE) {
					break;
				}
				return (int) value;
			}
		}
		throw new IllegalArgumentException(
				"An outbox message in the WAL has a " + field + " that is not a varint below 2^31");
	}

	private static String text(ByteBuffer in, String field) {
		return utf8(in, varint(in, field + " length"), field);
	}

	/** Reads {@code length} bytes of UTF-8 at the buffer's position. */
	private static String utf8(ByteBuffer in, int length, String field) {
		require(in, length, field);
		String value = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
		in.position(in.position() + length);
		return value;
	}

	private static String compressedText(ByteBuffer in, String field) {
		int length = varint(in, field + " length");
		int stored = varint(in, "compressed " + field + " length");
		require(in, stored, "compressed " + field);
		if (length > (long) stored * Deflate.MAX_RATIO) {
			throw new IllegalArgumentException("An outbox message in the WAL declares a " + field + " of " + length
					+ " bytes, more than " + stored + " compressed bytes can hold");
		}
		byte[] bytes;
		try {
			bytes = Deflate.decompress(in.array(), in.position(), stored, length);
		}
		catch (DataFormatException ex) {
			throw new IllegalArgumentException(
					"An outbox message in the WAL has a compressed " + field + " that is not valid: " + ex.getMessage(),
					ex);
		}
		in.position(in.position() + stored);
		return new String(bytes, StandardCharsets.UTF_8);
	}

	private static String version1Text(ByteBuffer in, String field, boolean optional) {
		require(in, 4, field + " length");
		int length = in.getInt();
		if (length == -1 && optional) {
			return null;
		}
		if (length < 0) {
			throw new IllegalArgumentException(
					"An outbox message in the WAL has " + field + " length " + length + ", which is not allowed");
		}
		return utf8(in, length, field);
	}

	private static void require(ByteBuffer in, int length, String field) {
		if (in.remaining() < length) {
			throw new IllegalArgumentException("An outbox message in the WAL is cut short: " + length
					+ " byte(s) needed for its " + field + ", " + in.remaining() + " left");
		}
	}

}
