package dev.pgoutbox.autoconfigure;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.schema.OutboxPartition;

/**
 * The partitions this application relays, and which of them handed over a message. With
 * the single partition, whose slot reads every row, that is the one whatever partition a
 * row names; with several, each relay reads only its own rows, so it is the message's.
 * The delivery meters and the delivery observation are tagged with it, so that they carry
 * the slot and partition the gauges do.
 */
public final class RelayedPartitions {

	private final List<OutboxPartition> partitions;

	private final Map<String, OutboxPartition> byKey = new LinkedHashMap<>();

	/**
	 * Creates the partitions.
	 * @param partitions the configured partitions, not empty
	 */
	public RelayedPartitions(List<OutboxPartition> partitions) {
		if (partitions == null || partitions.isEmpty()) {
			throw new IllegalArgumentException("'partitions' must not be empty");
		}
		this.partitions = List.copyOf(partitions);
		this.partitions.forEach((partition) -> this.byKey.put(partition.key(), partition));
	}

	/**
	 * Returns the partitions, in configuration order.
	 * @return the partitions
	 */
	public List<OutboxPartition> all() {
		return this.partitions;
	}

	/**
	 * Returns the partition whose relay handed over a message.
	 * @param message the message
	 * @return the partition, never {@code null}
	 */
	public OutboxPartition of(OutboxMessage message) {
		if (this.partitions.size() == 1) {
			return this.partitions.get(0);
		}
		OutboxPartition partition = this.byKey.get(message.partition());
		// a relay of one of several partitions drops every other partition's rows, so the
		// fallback is never taken; it keeps a delivery from failing on its metrics
		return (partition != null) ? partition : this.partitions.get(0);
	}

}
