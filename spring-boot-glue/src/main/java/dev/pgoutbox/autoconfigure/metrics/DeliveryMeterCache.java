package dev.pgoutbox.autoconfigure.metrics;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.micrometer.core.instrument.MeterRegistry;

import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.autoconfigure.RelayedPartitions;
import dev.pgoutbox.schema.OutboxPartition;

/**
 * Finds the {@link DeliveryMeters} of a message without asking the registry: per
 * partition, built up front; with the type tag, per partition and type, built at a type's
 * first message and kept.
 */
final class DeliveryMeterCache {

	private final MeterRegistry registry;

	private final RelayedPartitions partitions;

	private final boolean typeTag;

	private final Map<String, DeliveryMeters> byPartition = new HashMap<>();

	private final Map<String, ConcurrentMap<String, DeliveryMeters>> byType = new HashMap<>();

	DeliveryMeterCache(MeterRegistry registry, RelayedPartitions partitions, boolean typeTag) {
		this.registry = registry;
		this.partitions = partitions;
		this.typeTag = typeTag;
		for (OutboxPartition partition : partitions.all()) {
			if (typeTag) {
				this.byType.put(partition.key(), new ConcurrentHashMap<>());
			}
			else {
				this.byPartition.put(partition.key(), DeliveryMeters.register(registry, PartitionTags.of(partition)));
			}
		}
	}

	DeliveryMeters of(OutboxMessage message) {
		OutboxPartition partition = this.partitions.of(message);
		if (!this.typeTag) {
			return this.byPartition.get(partition.key());
		}
		ConcurrentMap<String, DeliveryMeters> types = this.byType.get(partition.key());
		DeliveryMeters meters = types.get(message.type());
		if (meters == null) {
			meters = types.computeIfAbsent(message.type(),
					(type) -> DeliveryMeters.register(this.registry, PartitionTags.of(partition).and("type", type)));
		}
		return meters;
	}

}
