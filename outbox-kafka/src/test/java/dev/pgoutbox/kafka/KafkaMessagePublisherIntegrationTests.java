package dev.pgoutbox.kafka;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.pgoutbox.DeadLetters;
import dev.pgoutbox.OutboundMessage;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.ParkedMessage;
import dev.pgoutbox.kafka.OutboxKafkaContexts.Recorder;

import static dev.pgoutbox.kafka.OutboxKafkaContexts.DEADLINE;
import static dev.pgoutbox.kafka.OutboxKafkaContexts.header;
import static dev.pgoutbox.kafka.OutboxKafkaContexts.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Messages published through the outbox, relayed from the WAL by the relay to
 * {@link KafkaMessagePublisher} and read back from a real KRaft broker in this JVM.
 */
class KafkaMessagePublisherIntegrationTests {

	@TempDir
	static Path dataDir;

	private static TestKafkaBroker broker;

	@BeforeAll
	static void startBroker() throws Exception {
		broker = TestKafkaBroker.start(dataDir, Map.of());
	}

	@AfterAll
	static void stopBroker() {
		if (broker != null) {
			broker.close();
		}
	}

	@Test
	void recordCarriesKeyPayloadCommitTimeAndHeadersOnTheTopicOfTemplateOrType() {
		String run = run();
		String plain = "Created" + run;
		String special = "Special" + run;
		OutboxKafkaContexts.runner(broker.bootstrapServers())
			.withPropertyValues("outbox.kafka.topic=it.{partition}.{type}",
					"outbox.kafka.topics.[" + special + "]=it.special." + run)
			.run((context) -> {
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				UUID first = outbox.publish(plain, "key-1", Map.of("n", 1),
						Map.of("trace-id", "4bf92f35", "outbox-id", "forged"));
				UUID second = outbox.publish(special, "key-1", Map.of("n", 2), Map.of());
				Recorder recorder = context.getBean(Recorder.class);
				await().atMost(DEADLINE).until(() -> recorder.delivered.keySet().containsAll(List.of(first, second)));

				List<ConsumerRecord<String, String>> templated = readAll(broker.bootstrapServers(),
						"it.default." + plain);
				assertThat(templated).hasSize(1);
				assertRecord(templated.get(0), recorder.delivered.get(first));
				assertThat(header(templated.get(0), "trace-id")).isEqualTo("4bf92f35");
				assertThat(templated.get(0).headers()).hasSize(3);

				List<ConsumerRecord<String, String>> mapped = readAll(broker.bootstrapServers(), "it.special." + run);
				assertThat(mapped).hasSize(1);
				assertRecord(mapped.get(0), recorder.delivered.get(second));
				assertThat(mapped.get(0).headers()).hasSize(2);
			});
	}

	@Test
	void eachKeysMessagesAreInOnePartitionInCommitOrder() {
		String type = "Ordered" + run();
		int keys = 20;
		int perKey = 100;
		OutboxKafkaContexts.runner(broker.bootstrapServers())
			.withPropertyValues("outbox.kafka.topic=it.{type}")
			.run((context) -> {
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				// a transaction per sequence number, with one message of each key
				for (int seq = 0; seq < perKey; seq++) {
					int n = seq;
					outbox.publishAll(IntStream.range(0, keys)
						.mapToObj((key) -> new OutboundMessage(type, "key-" + key, Map.of("seq", n), Map.of()))
						.toList());
				}
				Recorder recorder = context.getBean(Recorder.class);
				await().atMost(DEADLINE.multipliedBy(2)).until(() -> recorder.delivered.size() == keys * perKey);

				List<ConsumerRecord<String, String>> records = readAll(broker.bootstrapServers(), "it." + type);
				assertThat(records).hasSize(keys * perKey);
				Map<String, List<ConsumerRecord<String, String>>> byKey = records.stream()
					.collect(Collectors.groupingBy(ConsumerRecord::key, LinkedHashMap::new, Collectors.toList()));
				assertThat(byKey).hasSize(keys);
				List<String> expected = IntStream.range(0, perKey).mapToObj((seq) -> "{\"seq\":" + seq + "}").toList();
				byKey.forEach((key, ofKey) -> {
					assertThat(ofKey).extracting(ConsumerRecord::partition)
						.as("partitions of %s", key)
						.containsOnly(ofKey.get(0).partition());
					assertThat(ofKey).extracting(ConsumerRecord::value).as("values of %s", key).isEqualTo(expected);
				});
				assertThat(records.stream().map(ConsumerRecord::partition).distinct().count())
					.as("partitions the keys spread over")
					.isGreaterThan(1);
			});
	}

	@Test
	void undeliverableMessagesAreParkedAfterOneAttemptAndTheKeyGoesOn() throws Exception {
		String run = run();
		String tooLargeForTopic = "it.small." + run;
		try (Admin admin = Admin
			.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
			admin
				.createTopics(List
					.of(new NewTopic(tooLargeForTopic, 1, (short) 1).configs(Map.of("max.message.bytes", "1000"))))
				.all()
				.get();
		}
		String big = "Big" + run;
		String huge = "Huge" + run;
		String invalid = "Bad type " + run;
		String fine = "Fine" + run;
		OutboxKafkaContexts.runner(broker.bootstrapServers())
			.withPropertyValues("outbox.kafka.topic=it.{type}", "outbox.kafka.topics.[" + big + "]=" + tooLargeForTopic,
					"outbox.kafka.producer.[max.request.size]=20000", "outbox.delivery.retry.max-attempts=5")
			.run((context) -> {
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				// refused by the broker: over the topic's max.message.bytes
				UUID refusedByBroker = outbox.publish(big, "key-1", Map.of("text", "x".repeat(5_000)));
				// refused by the producer: over its max.request.size
				UUID refusedByProducer = outbox.publish(huge, "key-1", Map.of("text", "x".repeat(50_000)));
				// a topic name Kafka does not allow
				UUID invalidTopic = outbox.publish(invalid, "key-1", Map.of());
				UUID next = outbox.publish(fine, "key-1", Map.of("after", "the undeliverable ones"));
				Recorder recorder = context.getBean(Recorder.class);
				await().atMost(DEADLINE).until(() -> recorder.delivered.containsKey(next));

				assertThat(recorder.parked).containsOnlyKeys(refusedByBroker, refusedByProducer, invalidTopic);
				assertThat(recorder.parked.values()).as("attempts").containsOnly(1);
				assertThat(recorder.failures).as("failed calls that were retried").isEmpty();
				Map<UUID, ParkedMessage> parked = context.getBean(DeadLetters.class)
					.list(0, 10)
					.stream()
					.collect(Collectors.toMap(ParkedMessage::id, (message) -> message));
				assertThat(parked).containsOnlyKeys(refusedByBroker, refusedByProducer, invalidTopic);
				assertThat(parked.get(refusedByBroker).lastError()).contains("RecordTooLargeException");
				assertThat(parked.get(refusedByProducer).lastError()).contains("RecordTooLargeException");
				assertThat(parked.get(invalidTopic).lastError()).contains("'it.Bad type " + run + "'");
				assertThat(readAll(broker.bootstrapServers(), "it." + fine)).extracting(ConsumerRecord::key)
					.containsExactly("key-1");
				assertThat(readAll(broker.bootstrapServers(), tooLargeForTopic)).isEmpty();
			});
	}

	private static void assertRecord(ConsumerRecord<String, String> record, OutboxMessage message) {
		assertThat(record.key()).isEqualTo(message.key());
		assertThat(record.value()).isEqualTo(message.payload());
		assertThat(record.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
		assertThat(record.timestamp()).isEqualTo(message.committedAt().toEpochMilli());
		assertThat(header(record, OutboxKafkaProperties.DEFAULT_ID_HEADER)).isEqualTo(message.id().toString());
		assertThat(header(record, OutboxKafkaProperties.DEFAULT_TYPE_HEADER)).isEqualTo(message.type());
	}

	private static String run() {
		return UUID.randomUUID().toString().substring(0, 8);
	}

}
