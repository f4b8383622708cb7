package dev.pgoutbox.sample.messaging;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.core.ProducerFactory;

import dev.pgoutbox.Lsn;
import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.kafka.KafkaMessagePublisher;
import dev.pgoutbox.kafka.OutboxKafkaAutoConfiguration;
import dev.pgoutbox.kafka.OutboxKafkaProperties;
import dev.pgoutbox.sample.clinic.MedicineAssigned;
import dev.pgoutbox.sample.clinic.MedicineFinished;
import dev.pgoutbox.sample.embedded.TestKafkaBroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The outbox's {@link KafkaMessagePublisher} as the sample configures it, against the
 * sample's own embedded KRaft broker, in this JVM on a free loopback port, with the
 * producer settings Spring Boot reads from the sample's {@code application.yml}; what
 * arrives is read back with a plain consumer.
 */
class KafkaMessagePublisherTests {

	/** The topic {@code application.yml} gives both clinic event types. */
	private static final String TREATMENTS_TOPIC = "clinic.treatments";

	/**
	 * How long a condition that holds within a second or two may take on a slow machine.
	 */
	private static final Duration DEADLINE = Duration.ofSeconds(30);

	/** Added to a configured timeout: the bound a slow, busy machine still keeps. */
	private static final Duration SLACK = Duration.ofSeconds(10);

	private static final AtomicLong NEXT_LSN = new AtomicLong();

	@TempDir
	static Path dataDirs;

	private static TestKafkaBroker broker;

	private static ConfigurableApplicationContext app;

	@BeforeAll
	static void startBrokerAndPublisher() {
		broker = TestKafkaBroker.start(dataDirs.resolve("shared"));
		app = publisherApplication(broker.bootstrapServers());
	}

	@AfterAll
	static void stopPublisherAndBroker() {
		if (app != null) {
			app.close();
		}
		if (broker != null) {
			broker.close();
		}
	}

	@Test
	void recordArrivesOnTheTypesTopicWithKeyPayloadCommitTimeAndHeaders() throws Exception {
		String key = "patient-" + UUID.randomUUID();
		OutboxMessage message = message(MedicineAssigned.TYPE, key, "{\"medicine\":\"ibuprofen\"}",
				Map.of("event-version", "1", "trace-id", "4bf92f3577b34da6"));

		app.getBean(MessagePublisher.class).publish(message);

		List<ConsumerRecord<String, String>> received = receive(TREATMENTS_TOPIC, (record) -> key.equals(record.key()),
				1);
		assertThat(received).hasSize(1);
		ConsumerRecord<String, String> record = received.get(0);
		assertThat(record.topic()).isEqualTo(TREATMENTS_TOPIC);
		assertThat(record.key()).isEqualTo(key);
		assertThat(record.value()).isEqualTo(message.payload());
		assertThat(record.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
		assertThat(record.timestamp()).isEqualTo(message.committedAt().toEpochMilli());
		assertThat(headers(record)).containsExactlyInAnyOrder("event-version=1", "trace-id=4bf92f3577b34da6",
				OutboxHeaders.MESSAGE_ID + "=" + message.id(),
				OutboxHeaders.MESSAGE_TYPE + "=" + MedicineAssigned.TYPE);
	}

	@Test
	void messageIdAndTypeWinOverOutboxHeadersOfTheSameName() throws Exception {
		String key = "patient-" + UUID.randomUUID();
		OutboxMessage message = message(MedicineFinished.TYPE, key, "{}",
				Map.of(OutboxHeaders.MESSAGE_ID, "forged", OutboxHeaders.MESSAGE_TYPE, "Forged"));

		app.getBean(MessagePublisher.class).publish(message);

		ConsumerRecord<String, String> record = receive(TREATMENTS_TOPIC, (received) -> key.equals(received.key()), 1)
			.get(0);
		// consumers read the last value of a header, as the sample's listener does
		assertThat(lastHeader(record, OutboxHeaders.MESSAGE_ID)).isEqualTo(message.id().toString());
		assertThat(lastHeader(record, OutboxHeaders.MESSAGE_TYPE)).isEqualTo(MedicineFinished.TYPE);
	}

	@Test
	void messagesOfOneKeyKeepTheirOrderInOnePartitionWhileKeysArePublishedInParallel() throws Exception {
		MessagePublisher publisher = app.getBean(MessagePublisher.class);
		String run = UUID.randomUUID().toString();
		List<String> keys = IntStream.range(0, 4).mapToObj((i) -> "patient-" + i + "-" + run).toList();
		int perKey = 25;
		// one thread per key, as the relay's lanes call the publisher; each key's
		// messages one at a time, alternating the two event types of the one topic
		ExecutorService lanes = Executors.newFixedThreadPool(keys.size());
		try {
			List<Future<?>> sent = new ArrayList<>();
			for (String key : keys) {
				sent.add(lanes.submit(() -> {
					for (int seq = 0; seq < perKey; seq++) {
						String type = (seq % 2 == 0) ? MedicineAssigned.TYPE : MedicineFinished.TYPE;
						publisher.publish(message(type, key, "{\"seq\":" + seq + "}", Map.of()));
					}
					return null;
				}));
			}
			for (Future<?> lane : sent) {
				lane.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
			}
		}
		finally {
			lanes.shutdownNow();
		}

		List<ConsumerRecord<String, String>> received = receive(TREATMENTS_TOPIC,
				(record) -> record.key().endsWith(run), keys.size() * perKey);
		assertThat(received).hasSize(keys.size() * perKey);
		Map<String, List<ConsumerRecord<String, String>>> byKey = received.stream()
			.collect(Collectors.groupingBy(ConsumerRecord::key, LinkedHashMap::new, Collectors.toList()));
		List<String> expected = IntStream.range(0, perKey).mapToObj((seq) -> "{\"seq\":" + seq + "}").toList();
		assertThat(byKey).containsOnlyKeys(keys);
		byKey.forEach((key, records) -> {
			assertThat(records).extracting(ConsumerRecord::partition)
				.as("partitions of %s", key)
				.containsOnly(records.get(0).partition());
			// read partition by partition in offset order, so this is the order in the
			// log
			assertThat(records).extracting(ConsumerRecord::value).as("values of %s", key).isEqualTo(expected);
		});
	}

	@Test
	void publishThrowsWithinMaxBlockPlusDeliveryTimeoutWhenTheBrokerHasStopped() throws Exception {
		try (TestKafkaBroker stopping = TestKafkaBroker.start(dataDirs.resolve("stopping"));
				ConfigurableApplicationContext publisherApp = publisherApplication(stopping.bootstrapServers())) {
			MessagePublisher publisher = publisherApp.getBean(MessagePublisher.class);
			long maxBlock = producerMillis(publisherApp, ProducerConfig.MAX_BLOCK_MS_CONFIG);
			long deliveryTimeout = producerMillis(publisherApp, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG);
			Duration sendTimeout = publisherApp.getBean(OutboxKafkaProperties.class).getSendTimeout();
			// the producer gives up before the publisher stops waiting, so the outbox
			// sees the producer's error
			assertThat(Duration.ofMillis(deliveryTimeout)).isLessThan(sendTimeout);
			// connected, with the topic's metadata and an idempotent producer id
			publisher.publish(message(MedicineAssigned.TYPE, "patient-1", "{}", Map.of()));

			stopping.close();

			// the longest these settings let a publish take: send() blocks for metadata
			// up to max.block.ms, then the record waits up to delivery.timeout.ms
			Duration bound = Duration.ofMillis(maxBlock + deliveryTimeout).plus(SLACK);
			Throwable thrown = assertTimeoutPreemptively(bound,
					() -> catchThrowable(
							() -> publisher.publish(message(MedicineAssigned.TYPE, "patient-1", "{}", Map.of()))),
					() -> "publish to a stopped broker did not return within " + bound);
			assertThat(thrown).as("publish to a stopped broker").isNotNull();
			assertThat(causes(thrown)).as("causes of %s", thrown).hasAtLeastOneElementOfType(TimeoutException.class);
		}
	}

	@Test
	void publishThrowsWithinMaxBlockWhenNothingListensAtTheBootstrapServers() throws Exception {
		String nowhere = "127.0.0.1:" + freePort();
		// no topic creation at startup, which would wait for the missing broker
		try (ConfigurableApplicationContext publisherApp = publisherApplication(nowhere,
				"--spring.kafka.admin.auto-create=false")) {
			MessagePublisher publisher = publisherApp.getBean(MessagePublisher.class);
			long maxBlock = producerMillis(publisherApp, ProducerConfig.MAX_BLOCK_MS_CONFIG);

			Duration bound = Duration.ofMillis(maxBlock).plus(SLACK);
			Throwable thrown = assertTimeoutPreemptively(bound,
					() -> catchThrowable(
							() -> publisher.publish(message(MedicineAssigned.TYPE, "patient-1", "{}", Map.of()))),
					() -> "publish with no broker at " + nowhere + " did not return within " + bound);
			assertThat(thrown).as("publish with no broker at %s", nowhere).isNotNull();
			assertThat(causes(thrown)).as("causes of %s", thrown).hasAtLeastOneElementOfType(TimeoutException.class);
		}
	}

	/**
	 * Starts the publisher as the sample configures it: Spring Boot's Kafka
	 * auto-configuration, the outbox's Kafka publisher and the sample's
	 * {@code application.yml} and topics, pointed at the given bootstrap servers.
	 */
	private static ConfigurableApplicationContext publisherApplication(String bootstrapServers, String... args) {
		return new SpringApplicationBuilder(PublisherApplication.class).web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.run(Stream.concat(Stream.of("--spring.kafka.bootstrap-servers=" + bootstrapServers), Stream.of(args))
				.toArray(String[]::new));
	}

	private static long producerMillis(ConfigurableApplicationContext publisherApp, String name) {
		ProducerFactory<?, ?> factory = publisherApp.getBean(ProducerFactory.class);
		Map<String, Object> config = factory.getConfigurationProperties();
		assertThat(config).as("producer configuration").containsKey(name);
		return Long.parseLong(config.get(name).toString());
	}

	private static OutboxMessage message(String type, String key, String payload, Map<String, String> headers) {
		// a commit time well before the send, so the record's timestamp is seen to be it
		Instant committedAt = Instant.now().minus(5, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);
		return new OutboxMessage(UUID.randomUUID(), type, key, payload, headers, committedAt,
				Lsn.valueOf(NEXT_LSN.incrementAndGet()));
	}

	/**
	 * Reads each partition of the topic from its beginning to its end as of this call (a
	 * publish that returned is acknowledged, so its record is before that end), and
	 * returns the records that match, partition by partition in log order; checks that at
	 * least the expected number matched.
	 */
	private static List<ConsumerRecord<String, String>> receive(String topic,
			Predicate<ConsumerRecord<String, String>> filter, int expected) {
		Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
				ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
				ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
		try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
			List<TopicPartition> partitions = consumer.partitionsFor(topic, DEADLINE)
				.stream()
				.map((info) -> new TopicPartition(info.topic(), info.partition()))
				.toList();
			List<ConsumerRecord<String, String>> received = new ArrayList<>();
			for (TopicPartition partition : partitions) {
				consumer.assign(List.of(partition));
				consumer.seekToBeginning(List.of(partition));
				long end = consumer.endOffsets(List.of(partition), DEADLINE).get(partition);
				// the consumer is not thread-safe: poll it on this thread only
				await().atMost(DEADLINE).pollInSameThread().until(() -> {
					consumer.poll(Duration.ofMillis(200)).forEach((record) -> {
						if (filter.test(record)) {
							received.add(record);
						}
					});
					return consumer.position(partition) >= end;
				});
			}
			assertThat(received).as("records of %s", topic).hasSizeGreaterThanOrEqualTo(expected);
			return received;
		}
	}

	private static List<String> headers(ConsumerRecord<String, String> record) {
		return StreamSupport.stream(record.headers().spliterator(), false)
			.map((header) -> header.key() + "=" + new String(header.value(), StandardCharsets.UTF_8))
			.toList();
	}

	private static String lastHeader(ConsumerRecord<String, String> record, String name) {
		return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
	}

	private static List<Throwable> causes(Throwable thrown) {
		List<Throwable> causes = new ArrayList<>();
		for (Throwable cause = thrown; cause != null && causes.size() < 20; cause = cause.getCause()) {
			causes.add(cause);
		}
		return causes;
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
			return socket.getLocalPort();
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ KafkaAutoConfiguration.class, OutboxKafkaAutoConfiguration.class })
	@Import(KafkaTopicsConfiguration.class)
	static class PublisherApplication {

	}

}
