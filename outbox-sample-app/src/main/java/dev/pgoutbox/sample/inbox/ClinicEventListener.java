package dev.pgoutbox.sample.inbox;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import dev.pgoutbox.kafka.OutboxKafkaProperties;
import dev.pgoutbox.sample.messaging.KafkaTopicsConfiguration;
import dev.pgoutbox.sample.messaging.OutboxHeaders;

/**
 * Receives the clinic's events from Kafka and records each message once, deduplicating on
 * the outbox message id, since the outbox delivers at least once.
 */
@Component
class ClinicEventListener {

	private static final Logger logger = LoggerFactory.getLogger(ClinicEventListener.class);

	private final ReceivedEventRepository events;

	private final String[] topics;

	private final Clock clock;

	private final MeterRegistry meters;

	ClinicEventListener(ReceivedEventRepository events, OutboxKafkaProperties kafka, Clock clock,
			MeterRegistry meters) {
		this.events = events;
		this.topics = KafkaTopicsConfiguration.clinicTopics(kafka);
		this.clock = clock;
		this.meters = meters;
	}

	/**
	 * Returns the topics this listener reads.
	 * @return the topic names
	 */
	public String[] getTopics() {
		return this.topics.clone();
	}

	@KafkaListener(id = "clinic-inbox", topics = "#{__listener.topics}")
	void receive(ConsumerRecord<String, String> record) {
		UUID messageId = UUID.fromString(header(record, OutboxHeaders.MESSAGE_ID));
		String type = header(record, OutboxHeaders.MESSAGE_TYPE);
		int stored = this.events.insertIfAbsent(messageId, record.key(), type, record.value(), record.topic(),
				record.partition(), record.offset(), Instant.ofEpochMilli(record.timestamp()), this.clock.instant());
		if (stored == 0) {
			logger.info("Ignored {} {} for patient '{}': received before", type, messageId, record.key());
			counter(type, "duplicate").increment();
			return;
		}
		logger.info("Received {} for patient '{}' from {}-{}@{}", type, record.key(), record.topic(),
				record.partition(), record.offset());
		logger.debug("Payload of {}: {}", messageId, record.value());
		counter(type, "recorded").increment();
	}

	private Counter counter(String type, String outcome) {
		return Counter.builder("clinic.inbox.received")
			.description("Events received from Kafka")
			.tag("type", type)
			.tag("outcome", outcome)
			.register(this.meters);
	}

	private static String header(ConsumerRecord<String, String> record, String name) {
		Header header = record.headers().lastHeader(name);
		if (header == null || header.value() == null) {
			throw new IllegalArgumentException("Record " + record.topic() + "-" + record.partition() + "@"
					+ record.offset() + " has no '" + name + "' header");
		}
		return new String(header.value(), StandardCharsets.UTF_8);
	}

}
