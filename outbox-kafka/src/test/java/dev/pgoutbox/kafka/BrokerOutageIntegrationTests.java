package dev.pgoutbox.kafka;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.pgoutbox.OutboundMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.kafka.OutboxKafkaContexts.Recorder;

import static dev.pgoutbox.kafka.OutboxKafkaContexts.DEADLINE;
import static dev.pgoutbox.kafka.OutboxKafkaContexts.header;
import static dev.pgoutbox.kafka.OutboxKafkaContexts.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The broker stops while the outbox relays to it and starts again on the same port and
 * data directory: every message arrives, each key's first copies in commit order, and the
 * only duplicates are copies of sends that failed during the outage.
 */
class BrokerOutageIntegrationTests {

	private static final int KEYS = 20;

	private static final int PER_PHASE = 500;

	private static final String TOPIC = "outage";

	@TempDir
	Path dataDir;

	@Test
	void nothingIsLostAndEachKeyKeepsItsOrderAcrossABrokerRestart() throws Exception {
		try (TestKafkaBroker broker = TestKafkaBroker.start(this.dataDir, Map.of())) {
			// the producer gives up on a record (delivery.timeout.ms) before the
			// publisher
			// stops waiting, and the publisher before the outbox interrupts it
			OutboxKafkaContexts.runner(broker.bootstrapServers())
				.withPropertyValues("outbox.kafka.topic=" + TOPIC, "outbox.kafka.send-timeout=10s",
						"spring.kafka.producer.properties.request.timeout.ms=3000",
						"spring.kafka.producer.properties.delivery.timeout.ms=6000",
						"spring.kafka.producer.properties.reconnect.backoff.max.ms=500",
						"outbox.delivery.retry.max-attempts=0", "outbox.delivery.retry.max-delay=500ms")
				.run((context) -> {
					OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
					Recorder recorder = context.getBean(Recorder.class);
					int[] next = new int[KEYS];

					publish(outbox, next, PER_PHASE);
					await().atMost(DEADLINE).until(() -> recorder.deliveries.get() >= PER_PHASE / 2);
					broker.stop();
					// delivered before the fault: these must arrive exactly once
					Set<UUID> deliveredBeforeStop = new HashSet<>(recorder.delivered.keySet());

					publish(outbox, next, PER_PHASE);
					await().atMost(DEADLINE).until(() -> recorder.failures.size() >= KEYS);
					broker.start();
					publish(outbox, next, PER_PHASE);

					int total = 3 * PER_PHASE;
					await().atMost(DEADLINE.multipliedBy(3)).until(() -> recorder.delivered.size() == total);
					int failedCalls = recorder.failures.size();
					List<ConsumerRecord<String, String>> records = readAll(broker.bootstrapServers(), TOPIC);

					Map<String, List<Integer>> firstCopies = new LinkedHashMap<>();
					Map<String, Integer> copies = new HashMap<>();
					Set<String> seen = new HashSet<>();
					for (ConsumerRecord<String, String> record : records) {
						String id = header(record, OutboxKafkaProperties.DEFAULT_ID_HEADER);
						copies.merge(id, 1, Integer::sum);
						if (seen.add(id)) {
							firstCopies.computeIfAbsent(record.key(), (key) -> new ArrayList<>()).add(seq(record));
						}
					}
					int duplicates = records.size() - seen.size();
					System.out.printf("broker outage: %d messages, %d records, %d duplicates, %d failed calls%n", total,
							records.size(), duplicates, failedCalls);

					assertThat(seen).as("messages in Kafka").hasSize(total);
					assertThat(recorder.parked).isEmpty();
					firstCopies.forEach((key, seqs) -> assertThat(seqs).as("first copies of %s in log order", key)
						.isEqualTo(IntStream.range(0, next[Integer.parseInt(key.substring(4))]).boxed().toList()));
					assertThat(firstCopies).hasSize(KEYS);
					// a send that failed may still have reached the log: at most one copy
					// each, and none of what was acknowledged before the broker stopped
					assertThat(duplicates).as("duplicates").isLessThanOrEqualTo(failedCalls);
					deliveredBeforeStop.forEach((id) -> assertThat(copies.get(id.toString()))
						.as("copies of %s, delivered before the stop", id)
						.isEqualTo(1));
				});
		}
	}

	private static void publish(OutboxPublisher outbox, int[] next, int count) {
		List<OutboundMessage> batch = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			int key = i % KEYS;
			batch.add(new OutboundMessage("Outage", "key-" + key, Map.of("seq", next[key]++), Map.of()));
			if (batch.size() == KEYS) {
				outbox.publishAll(batch);
				batch.clear();
			}
		}
		if (!batch.isEmpty()) {
			outbox.publishAll(batch);
		}
	}

	private static int seq(ConsumerRecord<String, String> record) {
		String value = record.value();
		return Integer.parseInt(value.substring(value.indexOf(':') + 1, value.indexOf('}')));
	}

}
