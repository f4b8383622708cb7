package dev.pgoutbox.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboundMessage;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.RecordingPublisher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many writers at once: every message arrives exactly once and each key's messages arrive
 * in commit order.
 */
class ConcurrentWritersIntegrationTests {

	private static final int WRITERS = 8;

	private static final int KEYS = 100;

	private static final int MESSAGES = 10_000;

	@Test
	void deliversEveryMessageOfEightWritersInOrderPerKey() throws Exception {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		// a broker that is slower for some keys makes lanes finish out of order
		publisher.setHook((message) -> {
			if (message.key().hashCode() % 10 == 0) {
				LockSupport.parkNanos(100_000);
			}
		});
		OutboxContexts.runner(target)
			.withPropertyValues("outbox.delivery.concurrency=8", "outbox.delivery.buffer-size=500")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				TransactionTemplate transaction = new TransactionTemplate(
						context.getBean(PlatformTransactionManager.class));
				ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
				List<Future<List<UUID>>> results = new ArrayList<>();
				for (int w = 0; w < WRITERS; w++) {
					int writer = w;
					results.add(pool.submit(() -> write(outbox, transaction, writer)));
				}
				Set<UUID> written = new HashSet<>();
				for (Future<List<UUID>> result : results) {
					written.addAll(result.get());
				}
				pool.shutdown();
				assertThat(written).hasSize(MESSAGES);

				List<OutboxMessage> received = publisher.awaitCount(MESSAGES, Duration.ofSeconds(120));
				assertThat(received).hasSize(MESSAGES);
				assertThat(received).extracting(OutboxMessage::id).doesNotHaveDuplicates();
				assertThat(received).extracting(OutboxMessage::id).containsExactlyInAnyOrderElementsOf(written);
				publisher.payloadsByKey().forEach((key, payloads) -> {
					List<Integer> sequence = payloads.stream()
						.map(ConcurrentWritersIntegrationTests::sequenceOf)
						.toList();
					assertThat(sequence).as("sequence of key %s", key).isSorted();
					assertThat(sequence).as("sequence of key %s", key).doesNotHaveDuplicates();
				});
			});
	}

	/**
	 * One writer owns the keys congruent to it modulo the writer count and writes each
	 * key's messages with increasing sequence numbers, one or a few per transaction, so
	 * the commit order of a key's messages is its sequence order.
	 */
	private static List<UUID> write(OutboxPublisher outbox, TransactionTemplate transaction, int writer) {
		List<UUID> ids = new ArrayList<>();
		int perWriter = MESSAGES / WRITERS;
		int[] next = new int[KEYS];
		int written = 0;
		while (written < perWriter) {
			int batch = Math.min(1 + (written % 3), perWriter - written);
			List<OutboundMessage> messages = new ArrayList<>();
			for (int i = 0; i < batch; i++) {
				int key = writer + WRITERS * ((written + i) % (KEYS / WRITERS + ((writer < KEYS % WRITERS) ? 1 : 0)));
				messages.add(OutboundMessage.of("Seq", "key-" + key, Map.of("seq", next[key]++)));
			}
			ids.addAll(transaction.execute((status) -> outbox.publishAll(messages)));
			written += batch;
		}
		return ids;
	}

	private static int sequenceOf(String payload) {
		return Integer.parseInt(payload.replaceAll("\\D", ""));
	}

}
