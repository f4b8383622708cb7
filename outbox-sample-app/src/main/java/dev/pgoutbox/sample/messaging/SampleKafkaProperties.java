package dev.pgoutbox.sample.messaging;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the sample sends its events in Kafka.
 *
 * @param topics Topic of each message type. A type not listed goes to the topic prefix
 * followed by the type.
 * @param topicPrefix Prefix of the topic of a message type not listed in topics.
 * @param partitions Number of partitions of the topics the sample creates.
 * @param sendTimeout How long a send may wait for the broker's acknowledgement before it
 * counts as failed and the outbox retries it.
 */
@ConfigurationProperties("sample.kafka")
public record SampleKafkaProperties(@DefaultValue Map<String, String> topics,
		@DefaultValue("clinic.") String topicPrefix, @DefaultValue("3") int partitions,
		@DefaultValue("15s") Duration sendTimeout) {

	public SampleKafkaProperties {
		topics = (topics != null) ? Map.copyOf(topics) : Map.of();
	}

	/**
	 * Returns the topic of a message type.
	 * @param type the message type
	 * @return the topic
	 */
	public String topicFor(String type) {
		return this.topics.getOrDefault(type, this.topicPrefix + type);
	}

	/**
	 * Returns the distinct topics of some message types.
	 * @param types the message types
	 * @return the topics, each once
	 */
	public String[] topicsFor(Collection<String> types) {
		return types.stream().map(this::topicFor).distinct().toArray(String[]::new);
	}

}
