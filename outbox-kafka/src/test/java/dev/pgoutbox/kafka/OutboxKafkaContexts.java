package dev.pgoutbox.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;

import dev.pgoutbox.DeliveryListener;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.autoconfigure.OutboxAutoConfiguration;

import static org.awaitility.Awaitility.await;

/**
 * Applications wired as a Spring Boot application with the outbox starter, Boot's Kafka
 * support and this module would be, and what a test reads back from Kafka.
 */
final class OutboxKafkaContexts {

	/** How long something that takes a second or two may take on a slow, busy machine. */
	static final Duration DEADLINE = Duration.ofSeconds(60);

	private OutboxKafkaContexts() {
	}

	/**
	 * A runner with JDBC, transactions, Jackson, Boot's Kafka support, the outbox and
	 * this module (ordered by their auto-configuration annotations), on a fresh database
	 * and the given broker, with short intervals and a {@link Recorder}.
	 */
	static ApplicationContextRunner runner(String bootstrapServers) {
		TestPostgres.Target target = TestPostgres.newTarget();
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
					DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
					JacksonAutoConfiguration.class, KafkaAutoConfiguration.class, OutboxAutoConfiguration.class,
					OutboxKafkaAutoConfiguration.class))
			.withBean(Recorder.class, Recorder::new)
			.withPropertyValues("spring.datasource.url=" + target.url(), "spring.datasource.username=postgres",
					"spring.datasource.hikari.connection-timeout=5000", "outbox.replication.slot-name=" + target.slot(),
					"outbox.replication.status-interval=200ms", "outbox.replication.reconnect-max-delay=1s",
					"outbox.delivery.retry.initial-delay=20ms", "outbox.delivery.retry.max-delay=200ms",
					"outbox.cleanup.interval=100ms", "outbox.shutdown-timeout=5s",
					"spring.kafka.bootstrap-servers=" + bootstrapServers);
	}

	/**
	 * Reads every partition of a topic from its beginning to its end as of the call;
	 * returns the records partition by partition in log order, none if the topic does not
	 * exist.
	 */
	static List<ConsumerRecord<String, String>> readAll(String bootstrapServers, String topic) {
		Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
				ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
				ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
				ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
			List<PartitionInfo> infos = consumer.partitionsFor(topic, DEADLINE);
			List<TopicPartition> partitions = infos.stream()
				.map((info) -> new TopicPartition(info.topic(), info.partition()))
				.toList();
			List<ConsumerRecord<String, String>> records = new ArrayList<>();
			if (partitions.isEmpty()) {
				return records;
			}
			consumer.assign(partitions);
			consumer.seekToBeginning(partitions);
			Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, DEADLINE);
			// the consumer is not thread-safe: poll it on this thread only
			await().atMost(DEADLINE).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
				consumer.poll(Duration.ofMillis(100)).forEach(records::add);
				return partitions.stream().allMatch((partition) -> consumer.position(partition) >= ends.get(partition));
			});
			records.sort(Comparator.<ConsumerRecord<String, String>>comparingInt(ConsumerRecord::partition)
				.thenComparingLong(ConsumerRecord::offset));
			return records;
		}
	}

	/** Returns the value of the only header of that name, failing if there are others. */
	static String header(ConsumerRecord<String, String> record, String name) {
		List<String> values = new ArrayList<>();
		for (Header header : record.headers().headers(name)) {
			values.add(new String(header.value(), StandardCharsets.UTF_8));
		}
		if (values.size() != 1) {
			throw new AssertionError("Header " + name + " of " + record + " has values " + values);
		}
		return values.get(0);
	}

	/** Hears every delivery, failure and parking of the relay. */
	static final class Recorder implements DeliveryListener {

		final Map<UUID, OutboxMessage> delivered = new ConcurrentHashMap<>();

		final AtomicInteger deliveries = new AtomicInteger();

		final Queue<Throwable> failures = new ConcurrentLinkedQueue<>();

		final Map<UUID, Integer> parked = new ConcurrentHashMap<>();

		@Override
		public void delivered(OutboxMessage message, Duration duration) {
			this.delivered.put(message.id(), message);
			this.deliveries.incrementAndGet();
		}

		@Override
		public void failed(OutboxMessage message, Throwable error, int attempt, Duration retryIn) {
			this.failures.add(error);
		}

		@Override
		public void parked(OutboxMessage message, int attempts, Throwable lastError) {
			this.parked.put(message.id(), attempts);
		}

	}

}
