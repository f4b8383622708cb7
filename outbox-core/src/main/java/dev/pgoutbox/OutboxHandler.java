package dev.pgoutbox;

import java.util.Arrays;
import java.util.Collection;
import java.util.Set;

/**
 * A named handler of committed messages: a {@link MessagePublisher} with a stable name
 * and, optionally, the message types it takes. With several handlers every message goes
 * to each handler whose types match; each is retried and parked on its own, and a message
 * is done once every matching handler has delivered or parked it.
 *
 * <p>
 * The name is what dead letters, metrics (tag {@code handler}) and health know the
 * handler by, so it must not change between releases of an application: at most 200
 * characters, none of them a comma, a space or a control character (a bean name, such as
 * {@code kafkaPublisher}, qualifies).
 *
 * <p>
 * Instances are immutable and thread-safe.
 */
public final class OutboxHandler {

	private static final int MAX_NAME_LENGTH = 200;

	private final String name;

	private final MessagePublisher publisher;

	private final Set<String> types;

	private OutboxHandler(String name, MessagePublisher publisher, Set<String> types) {
		this.name = checkName(name);
		if (publisher == null) {
			throw new IllegalArgumentException("The publisher of handler '" + name + "' must not be null");
		}
		this.publisher = publisher;
		this.types = types;
	}

	/**
	 * Returns a handler of every message type.
	 * @param name the handler's stable name
	 * @param publisher what handles each message, not {@code null}
	 * @return the handler
	 * @throws IllegalArgumentException if the name is not allowed
	 */
	public static OutboxHandler of(String name, MessagePublisher publisher) {
		return new OutboxHandler(name, publisher, Set.of());
	}

	/**
	 * Returns this handler taking only the given message types.
	 * @param types the types, not empty
	 * @return the handler
	 */
	public OutboxHandler forTypes(String... types) {
		if (types == null) {
			throw new IllegalArgumentException("'types' must not be null");
		}
		return forTypes(Arrays.asList(types));
	}

	/**
	 * Returns this handler taking only the given message types.
	 * @param types the types, not empty
	 * @return the handler
	 */
	public OutboxHandler forTypes(Collection<String> types) {
		if (types == null || types.isEmpty() || types.stream().anyMatch((type) -> type == null || type.isBlank())) {
			throw new IllegalArgumentException(
					"The types of handler '" + this.name + "' must be a non-empty list of non-blank names");
		}
		return new OutboxHandler(this.name, this.publisher, Set.copyOf(types));
	}

	/**
	 * Returns the handler's name.
	 * @return the name
	 */
	public String name() {
		return this.name;
	}

	/**
	 * Returns what handles each message.
	 * @return the publisher
	 */
	public MessagePublisher publisher() {
		return this.publisher;
	}

	/**
	 * Returns the message types this handler takes.
	 * @return the types, empty for every type
	 */
	public Set<String> types() {
		return this.types;
	}

	/**
	 * Returns whether this handler takes messages of a type.
	 * @param type the message type
	 * @return {@code true} if it does
	 */
	public boolean accepts(String type) {
		return this.types.isEmpty() || this.types.contains(type);
	}

	/**
	 * Checks a handler name.
	 * @param name the name
	 * @return the name
	 * @throws IllegalArgumentException if it is empty, longer than 200 characters, or
	 * holds a comma, a space or a control character
	 */
	public static String checkName(String name) {
		if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
			throw new IllegalArgumentException(
					"A handler name must be 1 to " + MAX_NAME_LENGTH + " characters long, but is '" + name + "'");
		}
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			if (c == ',' || Character.isWhitespace(c) || Character.isISOControl(c)) {
				throw new IllegalArgumentException("The handler name '" + name + "' has a character at index " + i
						+ " that is not allowed: a comma, a space or a control character");
			}
		}
		return name;
	}

	@Override
	public String toString() {
		return "OutboxHandler[" + this.name + (this.types.isEmpty() ? "" : ", types=" + this.types) + "]";
	}

}
