package dev.pgoutbox.kafka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.errors.InvalidTopicException;

import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.UndeliverableMessageException;

/**
 * The topic of each message: the per-type topic if there is one, else the template with
 * its placeholders replaced. Whatever can be checked at startup is checked by the
 * constructor; a template that yields an invalid name for one message makes that message
 * undeliverable.
 *
 * <p>
 * Immutable and thread-safe.
 */
final class TopicResolver {

	static final int MAX_LENGTH = 249;

	private static final String TYPE = "{type}";

	private static final String PARTITION = "{partition}";

	/** The template split into literal text and placeholders, in order. */
	private final List<String> parts;

	private final boolean constant;

	private final Map<String, String> topics;

	/**
	 * Checks and compiles the configured topics.
	 * @param template the topic template of {@code outbox.kafka.topic}
	 * @param topics the per-type topics of {@code outbox.kafka.topics}
	 * @throws IllegalArgumentException naming the property if a topic can never be valid
	 */
	TopicResolver(String template, Map<String, String> topics) {
		this.parts = parse(template);
		this.constant = this.parts.stream().noneMatch(TopicResolver::isPlaceholder);
		if (this.constant) {
			String problem = problem(template);
			if (problem != null) {
				throw new IllegalArgumentException("'outbox.kafka.topic' is '" + template + "', " + problem);
			}
		}
		int shortest = this.parts.stream().mapToInt((part) -> isPlaceholder(part) ? 1 : part.length()).sum();
		if (shortest > MAX_LENGTH) {
			throw new IllegalArgumentException(
					"'outbox.kafka.topic' is '" + template + "', which yields topic names of " + shortest
							+ " characters or more, and Kafka allows at most " + MAX_LENGTH);
		}
		Map<String, String> copy = new LinkedHashMap<>();
		(topics != null ? topics : Map.<String, String>of()).forEach((type, topic) -> {
			String problem = problem(topic);
			if (problem != null) {
				throw new IllegalArgumentException(
						"'outbox.kafka.topics' gives type '" + type + "' the topic '" + topic + "', " + problem);
			}
			copy.put(type, topic);
		});
		this.topics = Map.copyOf(copy);
	}

	/**
	 * Returns the topic of a message.
	 * @param message the message
	 * @return a valid topic name
	 * @throws UndeliverableMessageException if the template makes an invalid name of it
	 */
	String topicFor(OutboxMessage message) {
		return topicFor(message.type(), message.partition(), message);
	}

	/**
	 * Returns the topic of messages of a type written to an outbox partition.
	 * @param type the message type
	 * @param partition the outbox partition
	 * @param subject what the topic is for, in the exception's text
	 * @return a valid topic name
	 * @throws UndeliverableMessageException if the template makes an invalid name of it
	 */
	String topicFor(String type, String partition, Object subject) {
		String topic = this.topics.get(type);
		if (topic != null) {
			return topic;
		}
		if (this.constant) {
			return this.parts.isEmpty() ? "" : this.parts.get(0);
		}
		StringBuilder name = new StringBuilder();
		for (String part : this.parts) {
			name.append(switch (part) {
				case TYPE -> type;
				case PARTITION -> partition;
				default -> part;
			});
		}
		topic = name.toString();
		String problem = problem(topic);
		if (problem != null) {
			String reason = "The topic template 'outbox.kafka.topic' makes '" + topic + "' of " + subject + ", "
					+ problem;
			throw new UndeliverableMessageException(reason, new InvalidTopicException(reason));
		}
		return topic;
	}

	/**
	 * Returns what makes a topic name invalid in Kafka, or {@code null} if it is valid.
	 */
	static String problem(String topic) {
		if (topic == null || topic.isEmpty()) {
			return "and a topic name must not be empty";
		}
		if (topic.equals(".") || topic.equals("..")) {
			return "and Kafka does not allow '.' or '..' as a topic name";
		}
		if (topic.length() > MAX_LENGTH) {
			return "which is " + topic.length() + " characters long, and Kafka allows at most " + MAX_LENGTH;
		}
		for (int i = 0; i < topic.length(); i++) {
			char c = topic.charAt(i);
			if (!legal(c)) {
				return "and Kafka allows only ASCII letters, digits, '.', '_' and '-' in a topic name, not '" + c + "'";
			}
		}
		return null;
	}

	private static boolean legal(char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
				|| c == '-';
	}

	private static boolean isPlaceholder(String part) {
		return TYPE.equals(part) || PARTITION.equals(part);
	}

	private static List<String> parse(String template) {
		if (template == null || template.isEmpty()) {
			throw new IllegalArgumentException("'outbox.kafka.topic' must not be empty");
		}
		List<String> parts = new ArrayList<>();
		StringBuilder literal = new StringBuilder();
		int i = 0;
		while (i < template.length()) {
			char c = template.charAt(i);
			if (c == '{') {
				int end = template.indexOf('}', i);
				String placeholder = (end < 0) ? template.substring(i) : template.substring(i, end + 1);
				if (!isPlaceholder(placeholder)) {
					throw new IllegalArgumentException("'outbox.kafka.topic' is '" + template + "', and '" + placeholder
							+ "' is not one of its placeholders " + TYPE + " and " + PARTITION);
				}
				if (!literal.isEmpty()) {
					parts.add(literal.toString());
					literal.setLength(0);
				}
				parts.add(placeholder);
				i = end + 1;
			}
			else {
				if (!legal(c)) {
					throw new IllegalArgumentException("'outbox.kafka.topic' is '" + template
							+ "', and Kafka allows only ASCII letters, digits, '.', '_' and '-' in a topic name, not '"
							+ c + "'");
				}
				literal.append(c);
				i++;
			}
		}
		if (!literal.isEmpty()) {
			parts.add(literal.toString());
		}
		return List.copyOf(parts);
	}

}
