package dev.pgoutbox;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A message to write with {@link OutboxPublisher#publishAll(java.util.List)}.
 *
 * <p>
 * Instances are immutable and thread-safe if the payload is.
 *
 * @param type the message type, not {@code null} or blank
 * @param key the ordering key, not {@code null} or blank
 * @param payload the payload, serialized to JSON at {@code publish}; not {@code null}
 * @param headers the headers, not {@code null}, possibly empty
 * @param partition the partition whose slot relays the message (a tenant id, say), or
 * {@code null} for the partition {@code default}
 */
public record OutboundMessage(String type, String key, Object payload, Map<String, String> headers, String partition) {

	public OutboundMessage {
		headers = (headers != null) ? Map.copyOf(headers) : Map.of();
	}

	/**
	 * Creates a message in the partition {@code default}.
	 * @param type the message type
	 * @param key the ordering key
	 * @param payload the payload
	 * @param headers the headers
	 */
	public OutboundMessage(String type, String key, Object payload, Map<String, String> headers) {
		this(type, key, payload, headers, null);
	}

	/**
	 * Creates a message without headers.
	 * @param type the message type
	 * @param key the ordering key
	 * @param payload the payload
	 * @return the message
	 */
	public static OutboundMessage of(String type, String key, Object payload) {
		return new OutboundMessage(type, key, payload, Map.of());
	}

	/**
	 * Returns a copy of this message with one more header.
	 * @param name the header name, not {@code null}
	 * @param value the header value, not {@code null}
	 * @return the new message
	 */
	public OutboundMessage withHeader(String name, String value) {
		Map<String, String> copy = new LinkedHashMap<>(this.headers);
		copy.put(name, value);
		return new OutboundMessage(this.type, this.key, this.payload, copy, this.partition);
	}

	/**
	 * Returns a copy of this message in the given partition.
	 * @param partition the partition key: lower-case letters, digits and underscores
	 * @return the new message
	 */
	public OutboundMessage inPartition(String partition) {
		return new OutboundMessage(this.type, this.key, this.payload, this.headers, partition);
	}

}
