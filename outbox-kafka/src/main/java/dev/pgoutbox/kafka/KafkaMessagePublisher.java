package dev.pgoutbox.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.support.ProducerListener;
import org.springframework.kafka.support.SendResult;

import dev.pgoutbox.AsyncMessagePublisher;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.UndeliverableMessageException;

/**
 * Sends each committed outbox message to Kafka and returns only once the broker has
 * acknowledged it, as its producer's {@code acks=all} defines: every in-sync replica has
 * the record. A send that fails or is not acknowledged within the send timeout throws,
 * and the outbox retries it; a record Kafka can never take (too large, an invalid topic,
 * a timestamp out of the topic's range, a topic the producer may not write) throws
 * {@link UndeliverableMessageException}, and the outbox parks it at once.
 *
 * <p>
 * The record's topic comes from {@code outbox.kafka.topics} or the
 * {@code outbox.kafka.topic} template, its key is the message key (so one key's messages
 * share a partition), its value the JSON payload in UTF-8, its timestamp the commit time,
 * and its headers are the message's headers plus the id and type headers. As the outbox
 * hands over one message per key at a time and waits for its acknowledgement before the
 * key's next one, one key's records are in their partition in commit order. Different
 * keys' records are in flight together (the publisher is asynchronous), so that the
 * producer sends them in batches.
 *
 * <p>
 * Thread-safe: the outbox calls it for different keys in parallel.
 */
public class KafkaMessagePublisher implements AsyncMessagePublisher, DisposableBean {

	private static final Logger logger = LoggerFactory.getLogger(KafkaMessagePublisher.class);

	private final KafkaTemplate<String, String> kafka;

	private final boolean ownsProducerFactory;

	private final TopicResolver topics;

	private final Duration sendTimeout;

	private final String idHeader;

	private final String typeHeader;

	/**
	 * Creates a publisher that sends with the given template, which the caller keeps and
	 * closes. Checks the settings and the producer's configuration.
	 * @param kafka the template; its producer must be idempotent with {@code acks=all}
	 * and not transactional
	 * @param properties the settings of {@code outbox.kafka}
	 * @throws IllegalArgumentException if a setting is invalid
	 * @throws IllegalStateException if the producer's configuration contradicts the
	 * outbox's guarantees or cannot be read
	 */
	public KafkaMessagePublisher(KafkaTemplate<String, String> kafka, OutboxKafkaProperties properties) {
		this(kafka, properties, false);
	}

	KafkaMessagePublisher(KafkaTemplate<String, String> kafka, OutboxKafkaProperties properties,
			boolean ownsProducerFactory) {
		this.sendTimeout = properties.getSendTimeout();
		if (this.sendTimeout == null || this.sendTimeout.isNegative() || this.sendTimeout.isZero()) {
			throw new IllegalArgumentException("'outbox.kafka.send-timeout' must be positive, not " + this.sendTimeout);
		}
		this.idHeader = header("outbox.kafka.id-header", properties.getIdHeader());
		this.typeHeader = header("outbox.kafka.type-header", properties.getTypeHeader());
		if (this.idHeader.equals(this.typeHeader)) {
			throw new IllegalArgumentException("'outbox.kafka.id-header' and 'outbox.kafka.type-header' are both '"
					+ this.idHeader + "'; they must differ");
		}
		this.topics = new TopicResolver(properties.getTopic(), properties.getTopics());
		if (kafka.isTransactional()) {
			throw new IllegalStateException("The outbox's KafkaTemplate is transactional; the outbox needs no Kafka "
					+ "transactions (its producer is idempotent): give it a template without a transaction id prefix");
		}
		ProducerSettings.check(configuration(kafka.getProducerFactory()));
		// the outbox logs failures itself, without payloads; the template's default
		// listener would log every failed record with its value
		kafka.setProducerListener(new ProducerListener<>() {
		});
		this.kafka = kafka;
		this.ownsProducerFactory = ownsProducerFactory;
	}

	/**
	 * Hands the record to the producer, which batches it with the records of other keys
	 * in flight; the stage completes once the broker acknowledged it, and exceptionally
	 * if the send failed or was not acknowledged within the send timeout.
	 */
	@Override
	public CompletableFuture<?> publishAsync(OutboxMessage message) {
		String topic = this.topics.topicFor(message);
		ProducerRecord<String, String> record = new ProducerRecord<>(topic, null, message.committedAt().toEpochMilli(),
				message.key(), message.payload());
		Headers headers = record.headers();
		message.headers().forEach((name, value) -> {
			// the id and type headers are the outbox's: one value each, never a copy
			if (!name.equals(this.idHeader) && !name.equals(this.typeHeader)) {
				headers.add(name, bytes(value));
			}
		});
		headers.add(this.idHeader, bytes(message.id().toString()));
		headers.add(this.typeHeader, bytes(message.type()));

		long started = System.nanoTime();
		CompletableFuture<SendResult<String, String>> sent;
		try {
			// blocks for topic metadata or buffer space up to max.block.ms, at most the
			// send timeout
			sent = this.kafka.send(record);
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(failure(message, topic, ex));
		}
		long left = Math.max(0, this.sendTimeout.toNanos() - (System.nanoTime() - started));
		CompletableFuture<Void> acknowledged = new CompletableFuture<>();
		sent.orTimeout(left, TimeUnit.NANOSECONDS).whenComplete((result, thrown) -> {
			if (thrown == null) {
				if (logger.isDebugEnabled()) {
					logger.debug("Sent {} to {}-{} at offset {}", message, topic,
							result.getRecordMetadata().partition(), result.getRecordMetadata().offset());
				}
				acknowledged.complete(null);
			}
			else if (KafkaErrors.unwrap(thrown) instanceof TimeoutException) {
				// no acknowledgement in time (a Kafka TimeoutException is another
				// class): the record may still be sent by the producer, at worst a
				// duplicate after which the retry's copy follows
				acknowledged
					.completeExceptionally(new TimeoutException("Kafka did not acknowledge " + message + " on topic '"
							+ topic + "' within " + this.sendTimeout.toMillis() + " ms (outbox.kafka.send-timeout)"));
			}
			else {
				acknowledged.completeExceptionally(failure(message, topic, thrown));
			}
		});
		return acknowledged;
	}

	/**
	 * Returns the configuration of the producer this publisher sends with.
	 * @return the producer properties, unmodifiable
	 */
	public Map<String, Object> producerConfiguration() {
		return Map.copyOf(configuration(this.kafka.getProducerFactory()));
	}

	/**
	 * Closes the producer if this publisher created it; a template given to the public
	 * constructor is left to its owner.
	 */
	@Override
	public void destroy() throws Exception {
		if (this.ownsProducerFactory && this.kafka.getProducerFactory() instanceof DisposableBean factory) {
			factory.destroy();
		}
	}

	/**
	 * Returns what a send failed with, as the outbox is to see it: undeliverable, or the
	 * client's own error without its wrappers.
	 */
	private static Throwable failure(OutboxMessage message, String topic, Throwable thrown) {
		Throwable cause = KafkaErrors.unwrap(thrown);
		Throwable undeliverable = KafkaErrors.undeliverableCause(cause);
		if (undeliverable != null) {
			return new UndeliverableMessageException("Kafka cannot take " + message + " on topic '" + topic + "': "
					+ undeliverable.getClass().getName() + ": " + undeliverable.getMessage(), cause);
		}
		if (cause instanceof Exception || cause instanceof Error) {
			return cause;
		}
		return new ExecutionException(cause);
	}

	private static Map<String, Object> configuration(ProducerFactory<?, ?> factory) {
		try {
			return factory.getConfigurationProperties();
		}
		catch (UnsupportedOperationException ex) {
			throw new IllegalStateException("The outbox cannot check the delivery settings of the Kafka producer "
					+ "factory " + factory.getClass().getName() + ": it does not expose its configuration", ex);
		}
	}

	private static String header(String property, String name) {
		if (name == null || name.isBlank()) {
			throw new IllegalArgumentException("'" + property + "' must not be blank");
		}
		return name;
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

}
