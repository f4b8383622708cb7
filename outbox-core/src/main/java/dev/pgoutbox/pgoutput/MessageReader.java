package dev.pgoutbox.pgoutput;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Bounds-checked big-endian reads over one message, by absolute index so the caller's
 * buffer is never moved.
 */
final class MessageReader {

	private final ByteBuffer buffer;

	private final int start;

	private final int limit;

	private final String messageType;

	private int position;

	/**
	 * Creates a reader positioned just after the tag byte at the buffer's position.
	 */
	MessageReader(ByteBuffer buffer, String messageType) {
		// The wire is big-endian whatever order the caller set; a duplicate is always
		// big-endian.
		this.buffer = (buffer.order() == ByteOrder.BIG_ENDIAN) ? buffer : buffer.duplicate();
		this.start = buffer.position();
		this.limit = buffer.limit();
		this.messageType = messageType;
		this.position = this.start + 1;
	}

	String messageType() {
		return this.messageType;
	}

	byte readByte(String field) {
		require(1, field);
		return this.buffer.get(this.position++);
	}

	int readUnsignedShort(String field) {
		require(2, field);
		int value = this.buffer.getShort(this.position) & 0xFFFF;
		this.position += 2;
		return value;
	}

	int readInt(String field) {
		require(4, field);
		int value = this.buffer.getInt(this.position);
		this.position += 4;
		return value;
	}

	long readLong(String field) {
		require(8, field);
		long value = this.buffer.getLong(this.position);
		this.position += 8;
		return value;
	}

	/** Reads a NUL-terminated UTF-8 string and skips its terminator. */
	String readString(String field) {
		int end = this.position;
		while (end < this.limit && this.buffer.get(end) != 0) {
			end++;
		}
		if (end == this.limit) {
			throw PgOutputException.truncated(this.messageType, "NUL-terminated " + field, offset(),
					this.limit - this.position);
		}
		String value = utf8(this.position, end - this.position);
		this.position = end + 1;
		return value;
	}

	/** Reads {@code length} bytes of UTF-8 text. */
	String readText(int length, String field) {
		require(length, field);
		String value = utf8(this.position, length);
		this.position += length;
		return value;
	}

	/** Reads {@code length} bytes into a new array. */
	byte[] readBytes(int length, String field) {
		require(length, field);
		byte[] bytes = new byte[length];
		this.buffer.get(this.position, bytes);
		this.position += length;
		return bytes;
	}

	private String utf8(int index, int length) {
		if (length == 0) {
			return "";
		}
		if (this.buffer.hasArray()) {
			// The hot path: decode straight from the backing array without an
			// intermediate copy.
			return new String(this.buffer.array(), this.buffer.arrayOffset() + index, length, StandardCharsets.UTF_8);
		}
		byte[] bytes = new byte[length];
		this.buffer.get(index, bytes);
		return new String(bytes, StandardCharsets.UTF_8);
	}

	private void require(int length, String field) {
		if (this.limit - this.position < length) {
			throw PgOutputException.truncated(this.messageType, length + " byte(s) for " + field, offset(),
					this.limit - this.position);
		}
	}

	/** Offsets in messages count from the tag byte, matching the documented layouts. */
	private int offset() {
		return this.position - this.start;
	}

}
