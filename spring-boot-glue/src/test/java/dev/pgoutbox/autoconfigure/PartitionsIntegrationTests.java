package dev.pgoutbox.autoconfigure;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboundMessage;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.OutboxWriteException;
import dev.pgoutbox.autoconfigure.health.OutboxHealthContributorAutoConfiguration;
import dev.pgoutbox.autoconfigure.metrics.OutboxMetricsAutoConfiguration;
import dev.pgoutbox.testsupport.BootLine;
import dev.pgoutbox.testsupport.BootLine.HealthReading;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.RecordingPublisher;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Partitions in one application context and across two: a slot and a filtered publication
 * per partition, messages relayed by their partition's slot, and health and metrics per
 * partition.
 */
class PartitionsIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	private static ApplicationContextRunner partitioned(OutboxContexts.Target target, String instance) {
		return OutboxContexts.runner(target)
			.withConfiguration(BootLine.actuator())
			.withConfiguration(AutoConfigurations.of(OutboxHealthContributorAutoConfiguration.class,
					OutboxMetricsAutoConfiguration.class))
			.withPropertyValues("outbox.partitions=tenant_a,tenant_b", "outbox.membership.instance-id=" + instance,
					"outbox.membership.heartbeat-interval=200ms", "outbox.membership.instance-timeout=1s",
					"outbox.metrics.slot-refresh-interval=100ms");
	}

	@Test
	void eachPartitionHasItsSlotAndFilteredPublicationAndReportsWhoServesIt() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		ApplicationContextRunner runner = partitioned(target, "one").withBean(MessagePublisher.class, () -> publisher);
		runner.run((context) -> {
			DataSource dataSource = context.getBean(DataSource.class);
			int major = Integer.parseInt(TestPostgres.queryForString(dataSource, "SHOW server_version_num")) / 10000;
			if (major >= 15) {
				assertThat(TestPostgres.queryForString(dataSource,
						"SELECT string_agg(pubname || ':' || rowfilter, ' ' "
								+ "ORDER BY pubname) FROM pg_publication_tables WHERE tablename = 'outbox'"))
					.isEqualTo("outbox_pub_tenant_a:(partition_key = 'tenant_a'::text) "
							+ "outbox_pub_tenant_b:(partition_key = 'tenant_b'::text)");
			}
			else {
				// before 15 a publication cannot filter rows: every slot reads every row,
				// and the
				// relay keeps only its partition's
				assertThat(TestPostgres.queryForString(dataSource,
						"SELECT string_agg(pubname, ' ' ORDER BY pubname) "
								+ "FROM pg_publication_tables WHERE tablename = 'outbox'"))
					.isEqualTo("outbox_pub_tenant_a outbox_pub_tenant_b");
			}
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			UUID a = outbox.publish(OutboundMessage.of("T", "k", Map.of("n", 1)).inPartition("tenant_a"));
			UUID b = outbox.publish(OutboundMessage.of("T", "k", Map.of("n", 2)).inPartition("tenant_b"));
			UUID c = outbox.publish(OutboundMessage.of("T", "k", Map.of("n", 3)).inPartition("tenant_a"));
			UUID d = outbox.publish(OutboundMessage.of("T", "k", Map.of("n", 4)).inPartition("tenant_b"));
			// each slot delivers its stream in order: once c and d are in, a row of the
			// other
			// partition that a slot failed to filter out would have arrived before them
			publisher.awaitCount(4, WAIT);
			assertThat(publisher.received()).extracting(OutboxMessage::id).containsExactlyInAnyOrder(a, b, c, d);
			assertThat(publisher.received()).filteredOn((message) -> message.id().equals(a) || message.id().equals(c))
				.extracting(OutboxMessage::partition)
				.containsOnly("tenant_a");
			assertThat(publisher.received()).filteredOn((message) -> message.id().equals(b) || message.id().equals(d))
				.extracting(OutboxMessage::partition)
				.containsOnly("tenant_b");
			assertThatExceptionOfType(OutboxWriteException.class)
				.isThrownBy(() -> outbox.publish(OutboundMessage.of("T", "k", Map.of()).inPartition("Tenant A")))
				.withMessageContaining("not a valid partition key");

			Awaitility.await().atMost(WAIT).untilAsserted(() -> {
				HealthReading health = BootLine.health(context);
				assertThat(health.status()).isEqualTo("UP");
				@SuppressWarnings("unchecked")
				Map<String, Map<String, Object>> partitions = (Map<String, Map<String, Object>>) health.details()
					.get("partitions");
				assertThat(partitions).containsOnlyKeys("tenant_a", "tenant_b");
				assertThat(partitions.get("tenant_a")).containsEntry("servedBy", "one")
					.containsEntry("state", "running")
					.containsEntry("slot", target.slot() + "_tenant_a")
					.containsKey("lagBytes");
			});
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			Awaitility.await()
				.atMost(WAIT)
				.until(() -> registry.get("outbox.replication.lag").tag("partition", "tenant_b").gauge().value() >= 0);
			assertThat(registry.get("outbox.relay.state")
				.tag("partition", "tenant_a")
				.tag("state", "running")
				.gauge()
				.value()).isEqualTo(1);
		});
	}

	@Test
	void aParkedMessageIsReplayedIntoItsOwnPartition() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		java.util.concurrent.atomic.AtomicBoolean rejecting = new java.util.concurrent.atomic.AtomicBoolean(true);
		publisher.setHook((message) -> {
			if (rejecting.get()) {
				throw new IllegalStateException("rejected");
			}
		});
		partitioned(target, "one").withPropertyValues("outbox.delivery.retry.max-attempts=1")
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				dev.pgoutbox.DeadLetters deadLetters = context.getBean(dev.pgoutbox.DeadLetters.class);
				UUID id = outbox.publish(OutboundMessage.of("T", "k", Map.of("n", 1)).inPartition("tenant_b"));
				Awaitility.await().atMost(WAIT).until(() -> deadLetters.count() == 1);
				rejecting.set(false);
				assertThat(deadLetters.replay(id)).isTrue();
				OutboxMessage replayed = publisher.awaitMessage((message) -> message.id().equals(id), WAIT);
				assertThat(replayed.partition()).isEqualTo("tenant_b");
			});
	}

	@Test
	void twoInstancesSplitThePartitionsAndOneTakesAllWhenTheOtherStops() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		partitioned(target, "one").withBean(MessagePublisher.class, () -> publisher).run((one) -> {
			partitioned(target, "two").withBean(MessagePublisher.class, () -> publisher).run((two) -> {
				OutboxRelayLifecycle first = one.getBean(OutboxRelayLifecycle.class);
				OutboxRelayLifecycle second = two.getBean(OutboxRelayLifecycle.class);
				Awaitility.await()
					.atMost(WAIT)
					.until(() -> first.getRelays().size() == 1 && second.getRelays().size() == 1
							&& !first.getRelays().keySet().equals(second.getRelays().keySet()));
				two.getSourceApplicationContext(org.springframework.context.ConfigurableApplicationContext.class)
					.close();
				Awaitility.await().atMost(WAIT).until(() -> first.getRelays().size() == 2);
				OutboxPublisher outbox = one.getBean(OutboxPublisher.class);
				UUID a = outbox.publish(OutboundMessage.of("T", "k", Map.of("n", 1)).inPartition("tenant_a"));
				UUID b = outbox.publish(OutboundMessage.of("T", "k", Map.of("n", 2)).inPartition("tenant_b"));
				Awaitility.await()
					.atMost(WAIT)
					.until(() -> publisher.received()
						.stream()
						.map(OutboxMessage::id)
						.toList()
						.containsAll(java.util.List.of(a, b)));
			});
		});
	}

	@Test
	void aPartitionWhosePublisherHangsIsHandedOverOnceAndServedByItsNewOwner() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger hanging = new AtomicInteger();
		RecordingPublisher stuck = new RecordingPublisher();
		stuck.setHook(RecordingPublisher.hangIgnoringInterruption(release, hanging));
		RecordingPublisher healthy = new RecordingPublisher();
		try {
			partitioned(target, "one").withPropertyValues("outbox.shutdown-timeout=2s")
				.withBean(MessagePublisher.class, () -> stuck)
				.run((one) -> {
					OutboxRelayLifecycle first = one.getBean(OutboxRelayLifecycle.class);
					Awaitility.await().atMost(WAIT).until(() -> first.getRelays().size() == 2);
					OutboxPublisher outbox = one.getBean(OutboxPublisher.class);
					UUID a = outbox.publish(OutboundMessage.of("T", "k", Map.of("n", 1)).inPartition("tenant_a"));
					UUID b = outbox.publish(OutboundMessage.of("T", "k", Map.of("n", 2)).inPartition("tenant_b"));
					Awaitility.await().atMost(WAIT).until(() -> hanging.get() == 2);
					int threadsBefore = handOverThreads();
					partitioned(target, "two").withBean(MessagePublisher.class, () -> healthy).run((two) -> {
						OutboxRelayLifecycle second = two.getBean(OutboxRelayLifecycle.class);
						// the moved partition's message, never confirmed by the stuck
						// owner, reaches
						// the new owner once the hand-over ends at its shutdown timeout
						Awaitility.await()
							.atMost(WAIT)
							.untilAsserted(() -> assertThat(healthy.received()).extracting(OutboxMessage::id)
								.containsAnyOf(a, b));
						assertThat(second.getRelays()).hasSize(1);
						// one stop per moved partition, not one per heartbeat
						assertThat(handOverThreads() - threadsBefore).isLessThanOrEqualTo(2);
					});
				});
		}
		finally {
			release.countDown();
		}
	}

	private static int handOverThreads() {
		return (int) Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().startsWith("outbox-stop-")
					|| thread.getName().equals("outbox-hand-over"))
			.count();
	}

}
