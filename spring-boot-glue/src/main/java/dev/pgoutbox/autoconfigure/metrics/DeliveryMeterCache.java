package dev.pgoutbox.autoconfigure.metrics;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.autoconfigure.RelayedPartitions;
import dev.pgoutbox.schema.OutboxPartition;

/**
 * Finds the {@link DeliveryMeters} of a handler's message without asking the registry:
 * per partition and handler (and with the type tag, type), built at the combination's
 * first message and kept.
 */
final class DeliveryMeterCache {

	private final MeterRegistry registry;

	private final RelayedPartitions partitions;

	private final boolean typeTag;

	private final ConcurrentMap<Key, DeliveryMeters> meters = new ConcurrentHashMap<>();

	DeliveryMeterCache(MeterRegistry registry, RelayedPartitions partitions, boolean typeTag) {
		this.registry = registry;
		this.partitions = partitions;
		this.typeTag = typeTag;
	}

	DeliveryMeters of(String handler, OutboxMessage message) {
		OutboxPartition partition = this.partitions.of(message);
		Key key = new Key(partition.key(), handler, this.typeTag ? message.type() : null);
		DeliveryMeters found = this.meters.get(key);
		if (found == null) {
			found = this.meters.computeIfAbsent(key, (missing) -> {
				Tags tags = PartitionTags.of(partition).and("handler", handler);
				return DeliveryMeters.register(this.registry, this.typeTag ? tags.and("type", message.type()) : tags);
			});
		}
		return found;
	}

	private record Key(String partition, String handler, String type) {
	}

}
