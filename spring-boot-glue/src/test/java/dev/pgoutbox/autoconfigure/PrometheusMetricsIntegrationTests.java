package dev.pgoutbox.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.micrometer.common.KeyValues;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.pgoutbox.DeadLetters;
import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboundMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.autoconfigure.metrics.OutboxMetricsAutoConfiguration;
import dev.pgoutbox.testsupport.BootLine;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.PrometheusScrape;
import dev.pgoutbox.testsupport.RecordingPublisher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox's meters as Prometheus scrapes them, from a real
 * {@link PrometheusMeterRegistry} after real deliveries: one set of label keys per name,
 * the real slot and partition on every meter, so that delivery meters join the gauges,
 * and one timer of the publish call.
 */
class PrometheusMetricsIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	private static final Duration SETTLE = Duration.ofSeconds(10);

	/** Per partition, gauges read from the slot and the relay. */
	private static final List<String> GAUGES = List.of("outbox_replication_lag_bytes",
			"outbox_replication_retained_bytes", "outbox_dead_letters", "outbox_messages_buffered",
			"outbox_messages_in_flight", "outbox_relay_state", "outbox_reconnects_total");

	/** Per partition (and type with the type tag), what deliveries count and time. */
	private static final List<String> DELIVERY = List.of("outbox_messages_delivered_total",
			"outbox_publish_failures_total", "outbox_messages_parked_total", "outbox_delivery_latency_seconds_count",
			"outbox_deliver_seconds_count");

	@Test
	void withoutTypeTagEveryMeterHasTheSlotAndPartitionAndOneLabelSet() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		PrometheusScrape scrape = deliverAndScrape(runner(target), List.of("default"));
		assertConsistent(scrape, Map.of("default", target.slot()), false);
	}

	@Test
	void withTypeTagDeliveryMetersHaveTheTypeAndStillOneLabelSet() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		PrometheusScrape scrape = deliverAndScrape(runner(target).withPropertyValues("outbox.metrics.type-tag=true"),
				List.of("default"));
		assertConsistent(scrape, Map.of("default", target.slot()), true);
		assertThat(scrape.sum("outbox_messages_delivered_total", Map.of("type", "OrderPlaced"))).isEqualTo(3);
		assertThat(scrape.sum("outbox_messages_delivered_total", Map.of("type", "OrderPaid"))).isEqualTo(2);
		assertThat(scrape.sum("outbox_messages_parked_total", Map.of("type", "Doomed"))).isEqualTo(1);
		assertThat(scrape.sum("outbox_deliver_seconds_count", Map.of("type", "Doomed", "error", "none"))).isZero();
	}

	@Test
	void withPartitionsDeliveryMetersCarryEachPartitionsSlotAsTheGaugesDo() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		PrometheusScrape scrape = deliverAndScrape(partitioned(runner(target)), List.of("tenant_a", "tenant_b"));
		assertConsistent(scrape,
				Map.of("tenant_a", target.slot() + "_tenant_a", "tenant_b", target.slot() + "_tenant_b"), false);
		assertThat(scrape.sum("outbox_messages_delivered_total", Map.of("partition", "tenant_a"))).isEqualTo(5);
		assertThat(scrape.sum("outbox_dead_letters", Map.of("partition", "tenant_b"))).isEqualTo(1);
	}

	@Test
	void withPartitionsAndTypeTagEveryNameStillHasOneLabelSet() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		PrometheusScrape scrape = deliverAndScrape(
				partitioned(runner(target)).withPropertyValues("outbox.metrics.type-tag=true"),
				List.of("tenant_a", "tenant_b"));
		assertConsistent(scrape,
				Map.of("tenant_a", target.slot() + "_tenant_a", "tenant_b", target.slot() + "_tenant_b"), true);
		assertThat(scrape.sum("outbox_messages_delivered_total", Map.of("partition", "tenant_b", "type", "OrderPaid")))
			.isEqualTo(2);
	}

	@Test
	void aConventionBeanRenamesAndTagsTheDeliveryTimer() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		PrometheusScrape scrape = deliverAndScrape(
				runner(target).withBean(OutboxDeliveryObservationConvention.class, TeamConvention::new),
				List.of("default"));
		assertThat(scrape.startingWith("outbox_deliver_")).isEmpty();
		assertThat(scrape.sum("shop_outbox_deliver_seconds_count",
				Map.of("team", "payments", "slot", target.slot(), "partition", "default", "error", "none")))
			.isEqualTo(5);
	}

	private static ApplicationContextRunner runner(OutboxContexts.Target target) {
		return OutboxContexts.runner(target)
			.withConfiguration(BootLine.actuator())
			.withConfiguration(AutoConfigurations.of(OutboxMetricsAutoConfiguration.class))
			.withPropertyValues("outbox.metrics.slot-refresh-interval=100ms", "outbox.delivery.retry.max-attempts=1");
	}

	private static ApplicationContextRunner partitioned(ApplicationContextRunner runner) {
		return runner.withPropertyValues("outbox.partitions=tenant_a,tenant_b", "outbox.membership.instance-id=one",
				"outbox.membership.heartbeat-interval=200ms", "outbox.membership.instance-timeout=1s");
	}

	/**
	 * Publishes, in each partition, three OrderPlaced, two OrderPaid and one Doomed that
	 * the publisher rejects and that is parked, then scrapes once every count is in.
	 */
	private static PrometheusScrape deliverAndScrape(ApplicationContextRunner runner, List<String> partitions) {
		PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
		List<String> failures = Collections.synchronizedList(new ArrayList<>());
		registry.config().onMeterRegistrationFailed((id, reason) -> failures.add(id.getName() + ": " + reason));
		RecordingPublisher publisher = new RecordingPublisher();
		publisher.setHook((message) -> {
			if (message.type().equals("Doomed")) {
				throw new IllegalStateException("rejected");
			}
		});
		List<PrometheusScrape> scraped = new ArrayList<>();
		try {
			runner.withBean(PrometheusMeterRegistry.class, () -> registry)
				.withBean(MessagePublisher.class, () -> publisher)
				.run((context) -> {
					OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
					for (String partition : partitions) {
						for (String type : List.of("OrderPlaced", "OrderPlaced", "OrderPlaced", "OrderPaid",
								"OrderPaid", "Doomed")) {
							outbox.publish(OutboundMessage.of(type, "order-1", Map.of("n", 1)).inPartition(partition));
						}
					}
					publisher.awaitCount(5 * partitions.size(), WAIT);
					DeadLetters deadLetters = context.getBean(DeadLetters.class);
					Awaitility.await().atMost(WAIT).until(() -> deadLetters.count() == partitions.size());
					// the counters and the slot gauges catch up within a few refreshes; a
					// scrape that never settles is still asserted on, to tell what is
					// wrong
					long deadline = System.nanoTime() + SETTLE.toNanos();
					PrometheusScrape scrape;
					do {
						Thread.sleep(100);
						scrape = PrometheusScrape.parse(registry.scrape());
					}
					while (!settled(scrape, partitions.size()) && System.nanoTime() < deadline);
					scraped.add(scrape);
				});
		}
		finally {
			registry.close();
		}
		assertThat(failures).as("meters the registry refused").isEmpty();
		return scraped.get(0);
	}

	private static boolean settled(PrometheusScrape scrape, int partitions) {
		return scrape.sum("outbox_messages_parked_total", Map.of()) == partitions
				&& scrape.named("outbox_dead_letters").stream().allMatch((sample) -> sample.value() == 1)
				&& scrape.named("outbox_replication_lag_bytes")
					.stream()
					.noneMatch((sample) -> Double.isNaN(sample.value()));
	}

	private static void assertConsistent(PrometheusScrape scrape, Map<String, String> slots, boolean typeTag) {
		Map<String, Set<Set<String>>> keySets = scrape.labelKeySets("outbox_");
		assertThat(keySets).isNotEmpty()
			.allSatisfy((name, sets) -> assertThat(sets).as("label key sets of %s", name).hasSize(1));
		keySets.forEach((name, sets) -> {
			// the write side's observation times publish, which no slot reads yet
			if (!name.startsWith("outbox_write")) {
				assertThat(sets.iterator().next()).as("labels of %s", name).contains("slot", "partition");
			}
		});
		Set<List<String>> expected = new LinkedHashSet<>();
		slots.forEach((partition, slot) -> expected.add(List.of(slot, partition)));
		for (String name : GAUGES) {
			assertThat(scrape.values(name, "slot", "partition")).as("slot and partition of %s", name)
				.containsExactlyInAnyOrderElementsOf(expected);
			assertThat(keySets.get(name).iterator().next()).as("labels of %s", name).doesNotContain("type");
		}
		for (String name : DELIVERY) {
			assertThat(scrape.values(name, "slot", "partition")).as("slot and partition of %s", name)
				.containsExactlyInAnyOrderElementsOf(expected);
			if (typeTag) {
				assertThat(keySets.get(name).iterator().next()).as("labels of %s", name).contains("type");
			}
			else {
				assertThat(keySets.get(name).iterator().next()).as("labels of %s", name).doesNotContain("type");
			}
		}
		// the publish call is timed once: by the outbox.deliver observation
		assertThat(scrape.startingWith("outbox_publish_seconds")).isEmpty();
		int partitions = slots.size();
		assertThat(scrape.sum("outbox_deliver_seconds_count", Map.of("error", "none"))).isEqualTo(5 * partitions);
		assertThat(scrape.sum("outbox_deliver_seconds_count", Map.of("error", "IllegalStateException")))
			.isEqualTo(partitions);
		assertThat(scrape.sum("outbox_messages_delivered_total", Map.of())).isEqualTo(5 * partitions);
		assertThat(scrape.sum("outbox_delivery_latency_seconds_count", Map.of())).isEqualTo(5 * partitions);
		assertThat(scrape.sum("outbox_publish_failures_total", Map.of())).isEqualTo(partitions);
		assertThat(scrape.sum("outbox_relay_state", Map.of("state", "running"))).isEqualTo(partitions);
		// each partition's gauge counts its own dead letter, not the table's
		assertThat(scrape.named("outbox_dead_letters")).extracting(PrometheusScrape.Sample::value)
			.containsOnly(1.0)
			.hasSize(partitions);
	}

	/** What an application might make of the delivery observation. */
	static class TeamConvention extends DefaultOutboxDeliveryObservationConvention {

		@Override
		public String getName() {
			return "shop.outbox.deliver";
		}

		@Override
		public KeyValues getLowCardinalityKeyValues(OutboxDeliveryContext context) {
			return super.getLowCardinalityKeyValues(context).and("team", "payments");
		}

	}

}
