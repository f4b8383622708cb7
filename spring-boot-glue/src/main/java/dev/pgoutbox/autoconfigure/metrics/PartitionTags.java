package dev.pgoutbox.autoconfigure.metrics;

import io.micrometer.core.instrument.Tags;

import dev.pgoutbox.schema.OutboxPartition;

/**
 * The tags every outbox meter starts with: the partition's real slot and its key, also
 * with the single partition {@code default}, so that each meter name has one set of tag
 * keys and delivery meters join the gauges on them.
 */
final class PartitionTags {

	private PartitionTags() {
	}

	static Tags of(OutboxPartition partition) {
		return Tags.of("slot", partition.slot().name(), "partition", partition.key());
	}

}
