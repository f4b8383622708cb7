package dev.pgoutbox.autoconfigure.metrics;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.DisposableBean;

import dev.pgoutbox.DeliveryListener;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.autoconfigure.OutboxProperties;
import dev.pgoutbox.autoconfigure.OutboxRelayLifecycle;
import dev.pgoutbox.autoconfigure.OutboxStatusReader;
import dev.pgoutbox.autoconfigure.RelayedPartitions;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.replication.SlotMonitor;
import dev.pgoutbox.replication.SlotStatus;
import dev.pgoutbox.schema.OutboxPartition;

/**
 * Micrometer metrics of the outbox relay: per partition, slot lag and retained WAL, dead
 * letters, messages buffered and in flight, the relay's state and reconnects; per
 * partition (and message type when {@code outbox.metrics.type-tag} is on), deliveries,
 * failures, parked messages and commit-to-delivery latency. Every meter is tagged with
 * the partition's real slot and its key, so that each name has one set of tag keys, as
 * Prometheus requires, and delivery meters join the gauges. The publish call itself is
 * timed by the {@code outbox.deliver} observation alone.
 */
public class OutboxMetrics implements MeterBinder, DeliveryListener, DisposableBean {

	private final OutboxRelayLifecycle lifecycle;

	private final RelayedPartitions partitions;

	private final SlotReadings slots;

	private final boolean typeTag;

	private volatile DeliveryMeterCache meters;

	/**
	 * Creates the metrics.
	 * @param lifecycle the relays
	 * @param monitors a monitor per partition's slot, owned by the caller, in
	 * configuration order
	 * @param typeTag whether to tag delivery meters with the message type
	 * @param refreshInterval how often the slots are read
	 */
	public OutboxMetrics(OutboxRelayLifecycle lifecycle, Map<OutboxPartition, SlotMonitor> monitors, boolean typeTag,
			Duration refreshInterval) {
		this.lifecycle = lifecycle;
		this.partitions = new RelayedPartitions(List.copyOf(monitors.keySet()));
		Map<String, SlotMonitor> byKey = new LinkedHashMap<>();
		monitors.forEach((partition, monitor) -> byKey.put(partition.key(), monitor));
		this.slots = new SlotReadings(byKey, refreshInterval);
		this.typeTag = typeTag;
	}

	/**
	 * Creates the metrics over the health check's slot monitors, so that both read each
	 * slot through one bounded monitor, as each Boot line's auto-configuration does.
	 * @param lifecycle the relays
	 * @param reader the health check's reader, whose monitors are shared
	 * @param properties the outbox's properties
	 * @return the metrics
	 */
	public static OutboxMetrics of(OutboxRelayLifecycle lifecycle, OutboxStatusReader reader,
			OutboxProperties properties) {
		Map<OutboxPartition, SlotMonitor> monitors = new LinkedHashMap<>();
		for (OutboxPartition partition : reader.partitions()) {
			monitors.put(partition, reader.monitor(partition.key()));
		}
		return new OutboxMetrics(lifecycle, monitors, properties.getMetrics().isTypeTag(),
				properties.getMetrics().getSlotRefreshInterval());
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (OutboxPartition partition : this.partitions.all()) {
			Tags tags = PartitionTags.of(partition);
			String key = partition.key();
			slotGauge(registry, "outbox.replication.lag",
					"Bytes of WAL between the server's position and the slot's confirmed one", key, tags, "bytes",
					SlotStatus::lagBytes);
			slotGauge(registry, "outbox.replication.retained", "Bytes of WAL the server keeps for the slot", key, tags,
					"bytes", SlotStatus::retainedBytes);
			slotGauge(registry, "outbox.dead.letters", "Messages of the partition parked in the dead-letter table", key,
					tags, null, SlotStatus::deadLetters);
			relayGauge(registry, "outbox.messages.buffered", "Messages held between the slot and the publisher", key,
					tags, Relay::held);
			relayGauge(registry, "outbox.messages.in.flight", "MessagePublisher calls under way", key, tags,
					Relay::inFlight);
			for (RelayState state : RelayState.values()) {
				Gauge.builder("outbox.relay.state", this, (metrics) -> (metrics.state(key) == state) ? 1 : 0)
					.description("1 for the relay's current state, 0 for the others")
					.tags(tags.and("state", state.name().toLowerCase(Locale.ROOT)))
					.register(registry);
			}
			FunctionCounter.builder("outbox.reconnects", this.lifecycle, (lifecycle) -> {
				Relay relay = lifecycle.getRelays().get(key);
				return (relay != null) ? relay.statistics().reconnects() : 0;
			}).description("Replication connections lost and opened again").tags(tags).register(registry);
		}
		this.meters = new DeliveryMeterCache(registry, this.partitions, this.typeTag);
		this.slots.start();
	}

	@Override
	public void delivered(String handler, OutboxMessage message, Duration duration) {
		// the duration is the observation's to time: one timer per publish call
		DeliveryMeterCache current = this.meters;
		if (current != null) {
			current.of(handler, message).delivered(message);
		}
	}

	@Override
	public void failed(String handler, OutboxMessage message, Throwable error, int attempt, Duration retryIn) {
		DeliveryMeterCache current = this.meters;
		if (current != null) {
			current.of(handler, message).failed();
		}
	}

	@Override
	public void parked(String handler, OutboxMessage message, int attempts, Throwable lastError) {
		DeliveryMeterCache current = this.meters;
		if (current != null) {
			current.of(handler, message).parked();
		}
	}

	@Override
	public void destroy() {
		this.slots.close();
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

	private void slotGauge(MeterRegistry registry, String name, String description, String partition, Tags tags,
			String unit, ToDoubleFunction<SlotStatus> value) {
		Gauge.builder(name, this.slots, (slots) -> {
			SlotStatus status = slots.latest(partition);
			return (status != null) ? value.applyAsDouble(status) : Double.NaN;
		}).description(description).baseUnit(unit).tags(tags).register(registry);
	}

	private void relayGauge(MeterRegistry registry, String name, String description, String partition, Tags tags,
			ToDoubleFunction<Relay> value) {
		Gauge.builder(name, this.lifecycle, (lifecycle) -> {
			Relay relay = lifecycle.getRelays().get(partition);
			return (relay != null) ? value.applyAsDouble(relay) : 0;
		}).description(description).tags(tags).register(registry);
	}

}
