package dev.pgoutbox.autoconfigure;

import java.util.Map;

import dev.pgoutbox.OutboxWriteException;

/**
 * The checks a message's text passes at {@code publish}, before anything is written.
 * PostgreSQL refuses the NUL character (and with it aborts the caller's whole
 * transaction), and the driver encodes a lone UTF-16 surrogate, which has no UTF-8 form,
 * as {@code ?}: a message would be refused late or stored changed, so it is refused here.
 */
final class MessageText {

	private MessageText() {
	}

	/**
	 * Checks a message's type or key.
	 * @param value the value
	 * @param name the name of the value in error messages, such as {@code key}
	 * @param maxLength the most characters allowed
	 * @throws OutboxWriteException if the value is {@code null}, blank, too long, or
	 * holds a NUL character or a lone surrogate
	 */
	static void requireText(String value, String name, int maxLength) {
		if (value == null || value.isBlank()) {
			throw new OutboxWriteException("'" + name + "' must not be null or blank");
		}
		if (value.length() > maxLength) {
			throw new OutboxWriteException("'" + name + "' must be at most " + maxLength + " characters");
		}
		int at = unstorableAt(value);
		if (at >= 0) {
			throw refused(value, at, "'" + name + "'", "");
		}
	}

	/**
	 * Checks the headers of a message: names neither {@code null} nor blank, values not
	 * {@code null}, and neither holding a NUL character or a lone surrogate.
	 * @param headers the headers, not {@code null}
	 * @param type the message's type, for error messages
	 * @throws OutboxWriteException if a header fails a check
	 */
	static void requireHeaders(Map<String, String> headers, String type) {
		headers.forEach((name, value) -> {
			if (name == null || value == null) {
				throw new OutboxWriteException("Headers of a message of type '" + type + "' must not hold null");
			}
			if (name.isBlank()) {
				throw new OutboxWriteException("Header names of a message of type '" + type + "' must not be blank");
			}
			int at = unstorableAt(name);
			if (at >= 0) {
				// a bad name is not repeated: it is not printable as it is
				throw refused(name, at, "A header name of a message of type '" + type + "'", "");
			}
			at = unstorableAt(value);
			if (at >= 0) {
				throw refused(value, at, "The value of header '" + name + "' of a message of type '" + type + "'", "");
			}
		});
	}

	/**
	 * Returns the length of JSON text in UTF-8, checking in the same pass that PostgreSQL
	 * can store the text as it is.
	 * @param json the JSON text
	 * @param what what the text is, such as {@code payload}, for error messages
	 * @param type the message's type, for error messages
	 * @return the number of UTF-8 bytes
	 * @throws OutboxWriteException if the text holds a NUL character or a lone surrogate
	 */
	static long utf8Length(String json, String what, String type) {
		long bytes = scan(json);
		if (bytes < 0) {
			throw refused(json, (int) (-1 - bytes), "The " + what + " of a message of type '" + type + "'",
					" of its JSON");
		}
		return bytes;
	}

	/**
	 * Returns the index of the first NUL character or lone surrogate in the text, or -1.
	 * Error messages are built only then, so that a valid message costs no strings.
	 */
	private static int unstorableAt(String text) {
		long bytes = scan(text);
		return (bytes < 0) ? (int) (-1 - bytes) : -1;
	}

	private static OutboxWriteException refused(String text, int index, String holder, String where) {
		if (text.charAt(index) == '\0') {
			return new OutboxWriteException(holder + " must not contain the NUL character");
		}
		return new OutboxWriteException(holder + " must not contain a lone UTF-16 surrogate (at index " + index + where
				+ "): it has no UTF-8 form, and the driver would write '?' in its place");
	}

	/**
	 * Counts the UTF-8 bytes of the text, or finds the first character that PostgreSQL
	 * cannot store as it is.
	 * @return the number of bytes, or {@code -1 - index} of the first NUL character or
	 * lone surrogate
	 */
	private static long scan(String text) {
		long bytes = 0;
		int length = text.length();
		int i = 0;
		while (i < length) {
			char c = text.charAt(i);
			if (c == '\0') {
				return -1 - i;
			}
			if (c < 0x80) {
				bytes += 1;
			}
			else if (c < 0x800) {
				bytes += 2;
			}
			else if (!Character.isSurrogate(c)) {
				bytes += 3;
			}
			else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
				bytes += 4;
				i++;
			}
			else {
				return -1 - i;
			}
			i++;
		}
		return bytes;
	}

}
