package dev.pgoutbox.amqp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.pgoutbox.OutboxMessage;

/**
 * An exchange name or routing key made of literal text and the placeholders
 * {@code {type}}, {@code {key}} and {@code {partition}}, parsed once at startup so that a
 * misspelt placeholder fails the application instead of every message.
 */
final class NameTemplate {

	/** The longest name AMQP 0-9-1 can carry: a short string, 255 bytes of UTF-8. */
	static final int MAX_BYTES = 255;

	private final String source;

	private final List<Part> parts;

	private NameTemplate(String source, List<Part> parts) {
		this.source = source;
		this.parts = parts;
	}

	/**
	 * Parses a template.
	 * @param property the configuration key the template came from, for the error message
	 * @param source the template
	 * @return the parsed template
	 * @throws IllegalArgumentException if it names an unknown placeholder or leaves a
	 * brace open
	 */
	static NameTemplate parse(String property, String source) {
		if (source == null) {
			throw new IllegalArgumentException(property + " must not be null");
		}
		List<Part> parts = new ArrayList<>();
		int at = 0;
		while (at < source.length()) {
			int open = source.indexOf('{', at);
			int close = source.indexOf('}', at);
			if (open < 0 && close < 0) {
				parts.add(new Literal(source.substring(at)));
				break;
			}
			if (open < 0 || (close >= 0 && close < open)) {
				throw new IllegalArgumentException(property + " '" + source + "' has a '}' without its '{'");
			}
			if (open > at) {
				parts.add(new Literal(source.substring(at, open)));
			}
			close = source.indexOf('}', open);
			if (close < 0) {
				throw new IllegalArgumentException(property + " '" + source + "' has a '{' without its '}'");
			}
			String name = source.substring(open + 1, close);
			parts.add(switch (name) {
				case "type" -> OutboxMessage::type;
				case "key" -> OutboxMessage::key;
				case "partition" -> OutboxMessage::partition;
				default -> throw new IllegalArgumentException(property + " '" + source + "' names the placeholder {"
						+ name + "}; the placeholders are {type}, {key} and {partition}");
			});
			at = close + 1;
		}
		if (parts.stream().allMatch(Literal.class::isInstance) && utf8Length(source) > MAX_BYTES) {
			throw new IllegalArgumentException(
					property + " '" + source + "' is longer than the " + MAX_BYTES + " bytes AMQP allows");
		}
		return new NameTemplate(source, List.copyOf(parts));
	}

	/**
	 * Returns the name for one message.
	 * @param message the message
	 * @return the name, at most {@value #MAX_BYTES} bytes of UTF-8
	 * @throws IllegalArgumentException if the name is longer than AMQP allows
	 */
	String expand(OutboxMessage message) {
		StringBuilder name = new StringBuilder();
		for (Part part : this.parts) {
			name.append(part.value(message));
		}
		String expanded = name.toString();
		if (utf8Length(expanded) > MAX_BYTES) {
			throw new IllegalArgumentException("'" + this.source + "' gives a name of " + utf8Length(expanded)
					+ " bytes, longer than the " + MAX_BYTES + " bytes AMQP allows");
		}
		return expanded;
	}

	@Override
	public String toString() {
		return this.source;
	}

	private static int utf8Length(String text) {
		return text.getBytes(StandardCharsets.UTF_8).length;
	}

	@FunctionalInterface
	private interface Part {

		String value(OutboxMessage message);

	}

	private record Literal(String text) implements Part {

		@Override
		public String value(OutboxMessage message) {
			return this.text;
		}

	}

}
