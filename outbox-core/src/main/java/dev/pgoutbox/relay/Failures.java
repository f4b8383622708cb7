package dev.pgoutbox.relay;

/**
 * One-line descriptions of failures for logs and health details, with passwords masked.
 */
public final class Failures {

	private Failures() {
	}

	/**
	 * Describes a failure in one line: its class and message, with any password masked.
	 * @param ex the failure, not {@code null}
	 * @return the description
	 */
	public static String describe(Throwable ex) {
		String message = ex.getMessage();
		return ex.getClass().getSimpleName() + ((message != null) ? ": " + redact(message) : "");
	}

	/**
	 * Masks every {@code password=} value in a URL or message.
	 * @param text the text, may be {@code null}
	 * @return the text with passwords masked, {@code null} if {@code text} is
	 */
	public static String redact(String text) {
		return (text != null) ? text.replaceAll("(?i)(password=)[^&]*", "$1******") : null;
	}

}
