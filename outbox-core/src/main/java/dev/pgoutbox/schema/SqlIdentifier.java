package dev.pgoutbox.schema;

import java.util.regex.Pattern;

/**
 * A PostgreSQL identifier from configuration, checked against a strict rule and always
 * quoted when put into SQL, so that configuration can never inject SQL.
 *
 * <p>
 * Only unquoted-style names are accepted (a letter or underscore, then letters, digits
 * and underscores; at most 63 bytes, PostgreSQL's {@code NAMEDATALEN - 1}). Upper-case
 * letters are refused rather than silently folded, so that the name in the configuration
 * is the name in the catalog. Instances are immutable and thread-safe.
 *
 * @param name the identifier as it appears in the catalog
 */
public record SqlIdentifier(String name) {

	private static final Pattern VALID = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

	public SqlIdentifier {
		name = check(name, "identifier");
	}

	/**
	 * Validates {@code value} as the identifier named {@code what} in error messages.
	 * @param value the candidate, may be {@code null}
	 * @param what what the value names, such as {@code outbox.table}
	 * @return the identifier
	 * @throws IllegalArgumentException if the value is not a valid identifier
	 */
	public static SqlIdentifier of(String value, String what) {
		return new SqlIdentifier(check(value, what));
	}

	private static String check(String value, String what) {
		if (value == null || value.isEmpty()) {
			throw new IllegalArgumentException("'" + what + "' must not be empty");
		}
		if (!VALID.matcher(value).matches()) {
			throw new IllegalArgumentException("'" + what + "' is '" + value + "', which is not a valid name: use "
					+ "lower-case letters, digits and underscores, starting with a letter or underscore, "
					+ "at most 63 characters");
		}
		return value;
	}

	/**
	 * Returns the identifier quoted for SQL.
	 * @return the quoted identifier, such as {@code "outbox"}
	 */
	public String quoted() {
		// the pattern admits no double quote, so no escaping is needed
		return '"' + this.name + '"';
	}

	@Override
	public String toString() {
		return this.name;
	}

}
