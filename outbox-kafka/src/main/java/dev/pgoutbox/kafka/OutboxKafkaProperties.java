package dev.pgoutbox.kafka;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the outbox's Kafka publisher, under {@code outbox.kafka}.
 */
@ConfigurationProperties("outbox.kafka")
public class OutboxKafkaProperties {

	/** Default of {@link #getTopic()}: the message type is the topic. */
	public static final String DEFAULT_TOPIC = "{type}";

	/** Default of {@link #getIdHeader()}. */
	public static final String DEFAULT_ID_HEADER = "outbox-id";

	/** Default of {@link #getTypeHeader()}. */
	public static final String DEFAULT_TYPE_HEADER = "outbox-type";

	/**
	 * Whether to relay the outbox to Kafka with this module's publisher; an application's
	 * own MessagePublisher bean replaces it in any case.
	 */
	private boolean enabled = true;

	/**
	 * Topic of a message whose type is not in 'topics': a template in which '{type}' is
	 * replaced by the message type and '{partition}' by the outbox partition the message
	 * was written to. Kafka allows letters, digits, '.', '_' and '-', at most 249
	 * characters.
	 */
	private String topic = DEFAULT_TOPIC;

	/**
	 * Topic of each message type, over the 'topic' template. Types with upper-case
	 * letters or dots are written in brackets, such as
	 * 'outbox.kafka.topics.[OrderPlaced]'.
	 */
	private Map<String, String> topics = new LinkedHashMap<>();

	/**
	 * Longest a publish waits for the broker's acknowledgement, the wait for topic
	 * metadata included; a send that takes longer fails and is retried. Must be shorter
	 * than 'outbox.delivery.publish-timeout'.
	 */
	private Duration sendTimeout = Duration.ofSeconds(20);

	/** Name of the header that carries the outbox message's id. */
	private String idHeader = DEFAULT_ID_HEADER;

	/** Name of the header that carries the outbox message's type. */
	private String typeHeader = DEFAULT_TYPE_HEADER;

	/**
	 * Kafka producer properties for the outbox's producer only, over those of the
	 * application's producer factory (spring.kafka.producer.*).
	 */
	private Map<String, String> producer = new LinkedHashMap<>();

	/**
	 * Returns the topic of messages of a type written to an outbox partition, as the
	 * publisher resolves it: for an application that creates its topics at startup.
	 * @param type the message type
	 * @param partition the outbox partition, {@code default} unless the application uses
	 * several
	 * @return the topic name
	 * @throws IllegalArgumentException if the topic settings are invalid
	 * @throws dev.pgoutbox.UndeliverableMessageException if the template makes an invalid
	 * name of this type
	 */
	public String topicFor(String type, String partition) {
		return new TopicResolver(this.topic, this.topics).topicFor(type, partition,
				"type '" + type + "' in partition '" + partition + "'");
	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getTopic() {
		return this.topic;
	}

	public void setTopic(String topic) {
		this.topic = topic;
	}

	public Map<String, String> getTopics() {
		return this.topics;
	}

	public void setTopics(Map<String, String> topics) {
		this.topics = topics;
	}

	public Duration getSendTimeout() {
		return this.sendTimeout;
	}

	public void setSendTimeout(Duration sendTimeout) {
		this.sendTimeout = sendTimeout;
	}

	public String getIdHeader() {
		return this.idHeader;
	}

	public void setIdHeader(String idHeader) {
		this.idHeader = idHeader;
	}

	public String getTypeHeader() {
		return this.typeHeader;
	}

	public void setTypeHeader(String typeHeader) {
		this.typeHeader = typeHeader;
	}

	public Map<String, String> getProducer() {
		return this.producer;
	}

	public void setProducer(Map<String, String> producer) {
		this.producer = producer;
	}

}
