package dev.pgoutbox.sample.messaging;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.annotation.Profile;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;

/**
 * Sends each committed outbox message to Kafka and returns only once the broker has
 * acknowledged it; a failed or timed-out send throws, and the outbox retries it.
 *
 * <p>
 * The record's key is the outbox key, so one key's messages share a partition and keep
 * their order; its timestamp is the commit time. The outbox headers are carried over, and
 * {@link OutboxHeaders#MESSAGE_ID} and {@link OutboxHeaders#MESSAGE_TYPE} are added.
 * Thread-safe, as the outbox calls it for different keys in parallel.
 */
@Component
@Profile("!rabbitmq")
class KafkaMessagePublisher implements MessagePublisher {

	private static final Logger logger = LoggerFactory.getLogger(KafkaMessagePublisher.class);

	private final KafkaTemplate<String, String> kafka;

	private final SampleKafkaProperties properties;

	KafkaMessagePublisher(KafkaTemplate<String, String> kafka, SampleKafkaProperties properties) {
		this.kafka = kafka;
		this.properties = properties;
	}

	@Override
	public void publish(OutboxMessage message) throws Exception {
		String topic = this.properties.topicFor(message.type());
		ProducerRecord<String, String> record = new ProducerRecord<>(topic, null, message.committedAt().toEpochMilli(),
				message.key(), message.payload());
		Headers headers = record.headers();
		message.headers().forEach((name, value) -> headers.add(name, bytes(value)));
		// consumers read the last value of a header, so these win over an outbox header
		// of the same name
		headers.add(OutboxHeaders.MESSAGE_ID, bytes(message.id().toString()));
		headers.add(OutboxHeaders.MESSAGE_TYPE, bytes(message.type()));
		long timeout = this.properties.sendTimeout().toMillis();
		try {
			this.kafka.send(record).get(timeout, TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			throw (ex.getCause() instanceof Exception cause) ? cause : ex;
		}
		catch (TimeoutException ex) {
			throw new TimeoutException(
					"Kafka did not acknowledge " + message + " on topic '" + topic + "' within " + timeout + " ms");
		}
		logger.debug("Sent {} to topic '{}': {}", message, topic, message.payload());
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

}
