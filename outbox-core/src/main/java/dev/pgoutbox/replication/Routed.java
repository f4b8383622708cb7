package dev.pgoutbox.replication;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import dev.pgoutbox.OutboxMessage;

/**
 * A message read from the stream or the table, with the handlers it goes to.
 *
 * @param message the message
 * @param handlers the names of the only handlers it goes to (a replayed dead letter), or
 * {@code null} for every handler that takes its type
 */
record Routed(OutboxMessage message, Set<String> handlers) {

	/**
	 * Returns a message for the handlers named in a comma-separated list.
	 * @param message the message
	 * @param handlers the names, or {@code null} for every handler
	 * @return the routed message
	 */
	static Routed of(OutboxMessage message, String handlers) {
		return new Routed(message, (handlers != null)
				? Arrays.stream(handlers.split(",")).filter((name) -> !name.isEmpty()).collect(Collectors.toSet())
				: null);
	}

}
