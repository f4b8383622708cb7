package dev.pgoutbox.deadletter;

/**
 * Describes a delivery failure for logs and the dead-letter table: class and message of
 * the error and of its root cause, with the payload taken out and the whole cut to a
 * bounded length.
 */
public final class FailureText {

	/** The longest description, in characters. */
	static final int MAX_LENGTH = 2000;

	/**
	 * Payloads shorter than this cannot be told apart from ordinary words in a message.
	 */
	private static final int SHORTEST_REDACTED = 3;

	private static final String REDACTED = "[payload]";

	private FailureText() {
	}

	/**
	 * Describes {@code error}, such as {@code java.io.IOException: broker down},
	 * replacing any copy of {@code payload} in the messages (brokers sometimes echo the
	 * record).
	 * @param error the failure, may be {@code null}
	 * @param payload the payload of the message that failed, may be {@code null}
	 * @return the description, at most {@link #MAX_LENGTH} characters; {@code null} if
	 * {@code error} is {@code null}
	 */
	public static String describe(Throwable error, String payload) {
		if (error == null) {
			return null;
		}
		StringBuilder text = new StringBuilder(one(error));
		Throwable root = error;
		for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 32; depth++) {
			root = root.getCause();
		}
		if (root != error) {
			text.append("; root cause ").append(one(root));
		}
		String described = text.toString();
		if (payload != null && payload.length() >= SHORTEST_REDACTED) {
			described = described.replace(payload, REDACTED);
		}
		if (described.length() > MAX_LENGTH) {
			described = described.substring(0, MAX_LENGTH - 3) + "...";
		}
		return described;
	}

	private static String one(Throwable error) {
		String message = error.getMessage();
		return error.getClass().getName() + ((message != null) ? ": " + message : "");
	}

}
