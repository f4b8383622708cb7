package dev.pgoutbox;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes messages to the outbox table in the caller's transaction.
 *
 * <p>
 * Inside a Spring-managed transaction the message is committed or rolled back with it;
 * without one, each call commits on its own, also when the pool hands out connections
 * with auto-commit off: a call that returns has written its messages, or it throws.
 * Implementations are thread-safe.
 */
public interface OutboxPublisher {

	/**
	 * Writes one message without headers.
	 * @param type the message type, not {@code null} or blank
	 * @param key the ordering key, not {@code null} or blank
	 * @param payload the payload, serialized to JSON here; not {@code null}
	 * @return the message's stable id
	 * @throws OutboxWriteException if the message is invalid or could not be written
	 */
	default UUID publish(String type, String key, Object payload) {
		return publish(type, key, payload, Map.of());
	}

	/**
	 * Writes one message.
	 * @param type the message type, not {@code null} or blank
	 * @param key the ordering key, not {@code null} or blank
	 * @param payload the payload, serialized to JSON here; not {@code null}
	 * @param headers the headers, not {@code null}, possibly empty
	 * @return the message's stable id
	 * @throws OutboxWriteException if the message is invalid or could not be written
	 */
	UUID publish(String type, String key, Object payload, Map<String, String> headers);

	/**
	 * Writes one message, with a partition if it names one.
	 * @param message the message, not {@code null}
	 * @return the message's stable id
	 * @throws OutboxWriteException if the message is invalid or could not be written
	 */
	default UUID publish(OutboundMessage message) {
		return publishAll(List.of(message)).get(0);
	}

	/**
	 * Writes several messages in one statement batch; all or none are written.
	 * @param messages the messages, not {@code null}, possibly empty
	 * @return the messages' stable ids, in the order given
	 * @throws OutboxWriteException if a message is invalid or could not be written
	 */
	List<UUID> publishAll(List<OutboundMessage> messages);

}
