package dev.pgoutbox.pgoutput;

/**
 * Thrown when a {@code pgoutput} message cannot be decoded: an unknown or unsupported
 * tag, a truncated or malformed message, or a value in a format the outbox never
 * requests.
 */
public final class PgOutputException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private PgOutputException(String message) {
		super(message);
	}

	static PgOutputException unsupportedTag(int tagByte) {
		String feature = switch (tagByte) {
			case 'S', 'E', 'c', 'A' -> "streaming of in-progress transactions";
			case 'b', 'P', 'K', 'r', 'p' -> "two-phase commit";
			default -> null;
		};
		if (feature == null) {
			return new PgOutputException(
					"Unknown pgoutput message tag " + describe(tagByte) + "; only protocol version 1 is supported");
		}
		// These only arrive when the slot was started with options the outbox never
		// sends,
		// so say so rather than suggesting the server is broken.
		return new PgOutputException("Unsupported pgoutput message tag " + describe(tagByte) + ": it belongs to "
				+ feature + ", which the outbox never requests (protocol version 1 without streaming or two_phase)");
	}

	static PgOutputException truncated(String messageType, String expected, int offset, int remaining) {
		return new PgOutputException("Truncated pgoutput " + messageType + " message: expected " + expected
				+ " at offset " + offset + " but only " + remaining + " byte(s) remain");
	}

	static PgOutputException malformed(String messageType, String problem) {
		return new PgOutputException("Malformed pgoutput " + messageType + " message: " + problem);
	}

	/**
	 * Printable tags are shown as characters as well, since the protocol documents them
	 * that way.
	 */
	static String describe(int tagByte) {
		String hex = String.format("0x%02X", tagByte);
		return (tagByte >= 0x20 && tagByte < 0x7F) ? "'" + (char) tagByte + "' (" + hex + ")" : hex;
	}

}
