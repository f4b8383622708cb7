package dev.pgoutbox.replication;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a time setting as {@code SHOW} prints it, such as {@code 60s}, {@code 500ms},
 * {@code 1min} or {@code 0}.
 */
final class ServerDurations {

	private static final Pattern FORM = Pattern.compile("(\\d+)\\s*(us|ms|s|min|h|d)?");

	private ServerDurations() {
	}

	/**
	 * Parses the setting; a bare number is in milliseconds, PostgreSQL's unit for these.
	 * @return the duration, zero for a value that cannot be read
	 */
	static Duration parse(String text) {
		Matcher matcher = (text != null) ? FORM.matcher(text.trim()) : null;
		if (matcher == null || !matcher.matches()) {
			return Duration.ZERO;
		}
		long amount = Long.parseLong(matcher.group(1));
		String unit = (matcher.group(2) != null) ? matcher.group(2) : "ms";
		return switch (unit) {
			case "us" -> Duration.ofNanos(amount * 1000);
			case "s" -> Duration.ofSeconds(amount);
			case "min" -> Duration.ofMinutes(amount);
			case "h" -> Duration.ofHours(amount);
			case "d" -> Duration.ofDays(amount);
			default -> Duration.ofMillis(amount);
		};
	}

}
