package dev.pgoutbox.schema;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The content of an outbox message in the WAL store: what {@code publish} passes to
 * {@code pg_logical_emit_message} and the relay reads back. Version 1, big-endian:
 *
 * <pre>
 * Byte1   version, 1
 * Int64   id, most significant bits
 * Int64   id, least significant bits
 * then five fields, each Int32 length in bytes (-1: absent) and that many bytes of UTF-8:
 *         type, key, partition, headers (a JSON object, absent when there are none), payload (JSON)
 * </pre>
 *
 * A reader refuses a version it does not know rather than guess, so that a newer writer
 * never has its messages misread; a version 1 reader ignores bytes after the payload, so
 * that fields can be added at the end without a new version.
 *
 * <p>
 * Stateless and thread-safe.
 */
public final class WalMessageFormat {

	/** The version written. */
	public static final int VERSION = 1;

	private static final int MAX_PREFIX_LENGTH = 128;

	private WalMessageFormat() {
	}

	/**
	 * Encodes a message.
	 * @param row the message
	 * @return the content to emit
	 */
	public static byte[] encode(OutboxWriter.Row row) {
		byte[] type = utf8(row.type());
		byte[] key = utf8(row.key());
		byte[] partition = utf8(row.partition());
		byte[] headers = (row.headersJson() != null) ? utf8(row.headersJson()) : null;
		byte[] payload = utf8(row.payloadJson());
		int size = 1 + 16 + 5 * 4 + type.length + key.length + partition.length
				+ ((headers != null) ? headers.length : 0) + payload.length;
		ByteBuffer out = ByteBuffer.allocate(size);
		out.put((byte) VERSION);
		out.putLong(row.id().getMostSignificantBits());
		out.putLong(row.id().getLeastSignificantBits());
		put(out, type);
		put(out, key);
		put(out, partition);
		put(out, headers);
		put(out, payload);
		return out.array();
	}

	/**
	 * Decodes a message's content.
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
		if (version != VERSION) {
			throw new IllegalArgumentException("An outbox message in the WAL has format version " + version
					+ ", but this relay reads version " + VERSION + " only; upgrade the relay");
		}
		require(in, 16, "id");
		UUID id = new UUID(in.getLong(), in.getLong());
		String type = text(in, "type", false);
		String key = text(in, "key", false);
		String partition = text(in, "partition", false);
		String headers = text(in, "headers", true);
		String payload = text(in, "payload", false);
		return new OutboxWriter.Row(id, type, key, payload, headers, partition);
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

	private static void put(ByteBuffer out, byte[] bytes) {
		if (bytes == null) {
			out.putInt(-1);
			return;
		}
		out.putInt(bytes.length);
		out.put(bytes);
	}

	private static String text(ByteBuffer in, String field, boolean optional) {
		require(in, 4, field + " length");
		int length = in.getInt();
		if (length == -1 && optional) {
			return null;
		}
		if (length < 0) {
			throw new IllegalArgumentException(
					"An outbox message in the WAL has " + field + " length " + length + ", which is not allowed");
		}
		require(in, length, field);
		String value = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
		in.position(in.position() + length);
		return value;
	}

	private static void require(ByteBuffer in, int length, String field) {
		if (in.remaining() < length) {
			throw new IllegalArgumentException("An outbox message in the WAL is cut short: " + length
					+ " byte(s) needed for its " + field + ", " + in.remaining() + " left");
		}
	}

}
