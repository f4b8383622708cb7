package dev.pgoutbox.autoconfigure.metrics;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.DisposableBean;

import dev.pgoutbox.DeliveryListener;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.autoconfigure.OutboxRelayLifecycle;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.replication.SlotMonitor;
import dev.pgoutbox.replication.SlotStatus;
import dev.pgoutbox.schema.OutboxPartition;

/**
 * Micrometer metrics of the outbox relay: slot lag and retained WAL, messages buffered,
 * in flight and parked, the relay's state, delivery and failure counts, publish durations
 * and commit-to-delivery latency. Every meter is tagged with the slot; the message type
 * is a tag only when {@code outbox.metrics.type-tag} is on.
 */
public class OutboxMetrics implements MeterBinder, DeliveryListener, DisposableBean {

	private final OutboxRelayLifecycle lifecycle;

	private final Map<OutboxPartition, SlotMonitor> monitors;

	private final Map<String, SlotStatus> slots = new ConcurrentHashMap<>();

	private final Tags tags;

	private final boolean typeTag;

	private final Duration refreshInterval;

	private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "outbox-metrics");
		thread.setDaemon(true);
		return thread;
	});

	private volatile MeterRegistry registry;

	private volatile Counter delivered;

	private volatile Counter failures;

	private volatile Counter parked;

	/**
	 * Creates the metrics.
	 * @param lifecycle the relays
	 * @param monitors a monitor per partition's slot, owned by the caller
	 * @param slotName the configured slot name, the tag of the delivery meters
	 * @param typeTag whether to tag delivery meters with the message type
	 * @param refreshInterval how often the slots are read
	 */
	public OutboxMetrics(OutboxRelayLifecycle lifecycle, Map<OutboxPartition, SlotMonitor> monitors, String slotName,
			boolean typeTag, Duration refreshInterval) {
		this.lifecycle = lifecycle;
		this.monitors = Map.copyOf(monitors);
		this.tags = Tags.of("slot", slotName);
		this.typeTag = typeTag;
		this.refreshInterval = refreshInterval;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		this.registry = registry;
		for (OutboxPartition partition : this.monitors.keySet()) {
			Tags partitionTags = (this.monitors.size() == 1) ? this.tags
					: Tags.of("slot", partition.slot().name(), "partition", partition.key());
			String slotName = partition.slot().name();
			slotGauge(registry, "outbox.replication.lag",
					"Bytes of WAL between the server's position and the slot's confirmed one", slotName, partitionTags,
					SlotStatus::lagBytes);
			slotGauge(registry, "outbox.replication.retained", "Bytes of WAL the server keeps for the slot", slotName,
					partitionTags, SlotStatus::retainedBytes);
			relayGauge(registry, "outbox.messages.buffered", "Messages held between the slot and the publisher",
					partition.key(), partitionTags, Relay::held);
			relayGauge(registry, "outbox.messages.in.flight", "MessagePublisher calls under way", partition.key(),
					partitionTags, Relay::inFlight);
			for (RelayState state : RelayState.values()) {
				Gauge
					.builder("outbox.relay.state", this, (metrics) -> (metrics.state(partition.key()) == state) ? 1 : 0)
					.description("1 for the relay's current state, 0 for the others")
					.tags(partitionTags.and("state", state.name().toLowerCase(Locale.ROOT)))
					.register(registry);
			}
		}
		Gauge
			.builder("outbox.dead.letters", this,
					(metrics) -> metrics.slots.values()
						.stream()
						.mapToDouble(SlotStatus::deadLetters)
						.findFirst()
						.orElse(Double.NaN))
			.description("Messages parked in the dead-letter table")
			.tags(this.tags)
			.register(registry);
		FunctionCounter
			.builder("outbox.reconnects", this.lifecycle,
					(lifecycle) -> lifecycle.getRelays()
						.values()
						.stream()
						.mapToLong((r) -> r.statistics().reconnects())
						.sum())
			.description("Replication connections lost and opened again")
			.tags(this.tags)
			.register(registry);
		this.delivered = Counter.builder("outbox.messages.delivered")
			.description("Messages the MessagePublisher took")
			.tags(this.tags)
			.register(registry);
		this.failures = Counter.builder("outbox.publish.failures")
			.description("Failed MessagePublisher calls, each retried or parked")
			.tags(this.tags)
			.register(registry);
		this.parked = Counter.builder("outbox.messages.parked")
			.description("Messages parked as dead letters")
			.tags(this.tags)
			.register(registry);
		long interval = this.refreshInterval.toMillis();
		this.refresher.scheduleWithFixedDelay(this::refresh, 0, interval, TimeUnit.MILLISECONDS);
	}

	@Override
	public void delivered(OutboxMessage message, Duration duration) {
		MeterRegistry current = this.registry;
		if (current == null) {
			return;
		}
		Tags messageTags = messageTags(message);
		(this.typeTag ? current.counter("outbox.messages.delivered", messageTags) : this.delivered).increment();
		Timer.builder("outbox.publish")
			.description("Duration of successful MessagePublisher calls")
			.tags(messageTags)
			.register(current)
			.record(duration);
		Duration latency = Duration.between(message.committedAt(), Instant.now());
		Timer.builder("outbox.delivery.latency")
			.description("Time from the commit that wrote a message to the end of its successful publish")
			.tags(messageTags)
			.publishPercentileHistogram()
			.register(current)
			.record(latency.isNegative() ? Duration.ZERO : latency);
	}

	@Override
	public void failed(OutboxMessage message, Throwable error, int attempt, Duration retryIn) {
		MeterRegistry current = this.registry;
		if (current != null) {
			(this.typeTag ? current.counter("outbox.publish.failures", messageTags(message)) : this.failures)
				.increment();
		}
	}

	@Override
	public void parked(OutboxMessage message, int attempts, Throwable lastError) {
		MeterRegistry current = this.registry;
		if (current != null) {
			// the last attempt failed too: it is reported here rather than to failed()
			(this.typeTag ? current.counter("outbox.publish.failures", messageTags(message)) : this.failures)
				.increment();
			(this.typeTag ? current.counter("outbox.messages.parked", messageTags(message)) : this.parked).increment();
		}
	}

	@Override
	public void destroy() {
		this.refresher.shutdownNow();
	}

	private Tags messageTags(OutboxMessage message) {
		return this.typeTag ? this.tags.and("type", message.type()) : this.tags;
	}

	private void refresh() {
		this.monitors.forEach((partition, monitor) -> {
			try {
				this.slots.put(partition.slot().name(), monitor.read(this.refreshInterval));
			}
			catch (SQLException | RuntimeException ex) {
				// the gauges keep the last reading; health reports the failure
			}
		});
	}

	private RelayState state(String partition) {
		Relay relay = this.lifecycle.getRelays().get(partition);
		if (relay != null) {
			return relay.state();
		}
		// with several partitions, one served by another instance is as good as standing
		// by
		return (this.lifecycle.getCoordinator() != null) ? RelayState.STANDBY : RelayState.NEW;
	}

	private void slotGauge(MeterRegistry registry, String name, String description, String slotName, Tags tags,
			ToDoubleFunction<SlotStatus> value) {
		Gauge.builder(name, this, (metrics) -> {
			SlotStatus status = metrics.slots.get(slotName);
			return (status != null) ? value.applyAsDouble(status) : Double.NaN;
		}).description(description).baseUnit("bytes").tags(tags).register(registry);
	}

	private void relayGauge(MeterRegistry registry, String name, String description, String partition, Tags tags,
			ToDoubleFunction<Relay> value) {
		Gauge.builder(name, this.lifecycle, (lifecycle) -> {
			Relay relay = lifecycle.getRelays().get(partition);
			return (relay != null) ? value.applyAsDouble(relay) : 0;
		}).description(description).tags(tags).register(registry);
	}

}
