package dev.pgoutbox.sample.clinic;

/**
 * What a patient id looks like in a URL.
 */
public final class PatientIds {

	/** Letters, digits, {@code -} and {@code _}; at most 64 characters. */
	public static final String PATTERN = "[A-Za-z0-9_-]{1,64}";

	private PatientIds() {
	}

}
