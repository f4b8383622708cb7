package dev.pgoutbox;

import java.util.regex.Pattern;

/**
 * A position in PostgreSQL's write-ahead log (a log sequence number), compared as an
 * unsigned 64-bit value.
 *
 * <p>
 * Instances are immutable and thread-safe.
 *
 * @param value the position as the server's unsigned 64-bit integer
 */
public record Lsn(long value) implements Comparable<Lsn> {

	private static final Pattern TEXT_FORM = Pattern.compile("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}");

	/** The invalid position {@code 0/0}, also used for "nothing yet". */
	public static final Lsn ZERO = new Lsn(0);

	/**
	 * Returns the position for the given raw value.
	 * @param value the unsigned 64-bit value
	 * @return the position, never {@code null}
	 */
	public static Lsn valueOf(long value) {
		return (value == 0) ? ZERO : new Lsn(value);
	}

	/**
	 * Parses the server's text form, such as {@code 16/B374D848}.
	 * @param text the text form, not {@code null}
	 * @return the position, never {@code null}
	 * @throws IllegalArgumentException if the text is not of that form
	 */
	public static Lsn valueOf(String text) {
		if (text == null) {
			throw new IllegalArgumentException("'text' must not be null");
		}
		if (!TEXT_FORM.matcher(text).matches()) {
			throw new IllegalArgumentException("'" + text + "' is not a WAL position such as 16/B374D848");
		}
		int slash = text.indexOf('/');
		try {
			long high = Long.parseLong(text.substring(0, slash), 16);
			long low = Long.parseLong(text.substring(slash + 1), 16);
			return valueOf((high << 32) | low);
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException("'" + text + "' is not a WAL position such as 16/B374D848", ex);
		}
	}

	/**
	 * Returns the server's text form, such as {@code 16/B374D848}.
	 * @return the text form
	 */
	public String asString() {
		return Long.toHexString(this.value >>> 32).toUpperCase() + "/"
				+ Long.toHexString(this.value & 0xFFFFFFFFL).toUpperCase();
	}

	/**
	 * Returns the number of bytes from {@code earlier} to this position, or zero if
	 * {@code earlier} is not before it.
	 * @param earlier the earlier position, not {@code null}
	 * @return the distance in bytes, never negative
	 */
	public long bytesSince(Lsn earlier) {
		return (compareTo(earlier) > 0) ? this.value - earlier.value : 0;
	}

	/**
	 * Returns the later of this position and {@code other}.
	 * @param other the other position, not {@code null}
	 * @return the later position
	 */
	public Lsn max(Lsn other) {
		return (compareTo(other) >= 0) ? this : other;
	}

	@Override
	public int compareTo(Lsn other) {
		return Long.compareUnsigned(this.value, other.value);
	}

	@Override
	public String toString() {
		return asString();
	}

}
