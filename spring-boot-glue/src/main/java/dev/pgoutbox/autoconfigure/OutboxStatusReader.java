package dev.pgoutbox.autoconfigure;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.beans.factory.DisposableBean;

import dev.pgoutbox.cluster.PartitionCoordinator;
import dev.pgoutbox.relay.Failures;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.relay.RelayStatistics;
import dev.pgoutbox.replication.SlotMonitor;
import dev.pgoutbox.replication.SlotReading;
import dev.pgoutbox.replication.SlotStatus;
import dev.pgoutbox.schema.OutboxPartition;

/**
 * Reads {@link OutboxStatus}: shared by the health indicator and the {@code outbox}
 * endpoint. With the single partition {@code default} the details describe its slot; with
 * several they hold one entry per partition, saying which instance serves it.
 */
public class OutboxStatusReader implements DisposableBean {

	private final OutboxRelayLifecycle lifecycle;

	private final Map<String, SlotMonitor> monitors;

	private final Map<String, OutboxPartition> partitions = new LinkedHashMap<>();

	private final long maxLagBytes;

	public OutboxStatusReader(OutboxRelayLifecycle lifecycle, List<OutboxPartition> partitions,
			Map<String, SlotMonitor> monitors, long maxLagBytes) {
		this.lifecycle = lifecycle;
		this.monitors = new LinkedHashMap<>(monitors);
		partitions.forEach((partition) -> this.partitions.put(partition.key(), partition));
		this.maxLagBytes = maxLagBytes;
	}

	/**
	 * Reads the status now.
	 * @param timeout the longest wait for the database, for all the slots together: the
	 * slots are read at once, so that a dead database costs one timeout however many
	 * partitions there are
	 * @return the status
	 */
	public OutboxStatus read(Duration timeout) {
		Map<String, SlotReading> slots = SlotMonitor.readAll(this.monitors, timeout);
		Map<String, Relay> relays = this.lifecycle.getRelays();
		List<String> problems = new ArrayList<>();
		Map<String, Object> details = new LinkedHashMap<>();
		PartitionCoordinator coordinator = this.lifecycle.getCoordinator();
		if (coordinator == null) {
			OutboxPartition partition = this.partitions.values().iterator().next();
			Relay relay = relays.get(partition.key());
			RelayState state = (relay != null) ? relay.state() : RelayState.NEW;
			details.put("state", name(state));
			describe(partition, relay, slots.get(partition.key()), true, details, problems);
			return new OutboxStatus(state, List.copyOf(problems), details);
		}
		RelayState state = combined(relays);
		details.put("state", name(state));
		details.put("instance", coordinator.instanceId());
		Map<String, String> owners = coordinator.owners();
		Map<String, Object> byPartition = new LinkedHashMap<>();
		for (OutboxPartition partition : this.partitions.values()) {
			Map<String, Object> entry = new LinkedHashMap<>();
			Relay relay = relays.get(partition.key());
			entry.put("servedBy", owners.get(partition.key()));
			entry.put("state", (relay != null) ? name(relay.state()) : "elsewhere");
			describe(partition, relay, slots.get(partition.key()), relay != null, entry, problems);
			byPartition.put(partition.key(), entry);
		}
		details.put("partitions", byPartition);
		return new OutboxStatus(state, List.copyOf(problems), details);
	}

	/**
	 * Returns the relay lifecycle, for operations on the running relays.
	 * @return the lifecycle
	 */
	public OutboxRelayLifecycle lifecycle() {
		return this.lifecycle;
	}

	/**
	 * Returns the outbox's partitions, in configuration order.
	 * @return the partitions
	 */
	public List<OutboxPartition> partitions() {
		return List.copyOf(this.partitions.values());
	}

	/**
	 * Returns the monitor of a partition's slot, which this reader owns and closes.
	 * @param partition the partition's key
	 * @return the monitor
	 */
	public SlotMonitor monitor(String partition) {
		return this.monitors.get(partition);
	}

	@Override
	public void destroy() {
		this.monitors.values().forEach(SlotMonitor::close);
	}

	/**
	 * Adds a partition's slot and relay to {@code details}; its problems count only if it
	 * is served here.
	 */
	private void describe(OutboxPartition partition, Relay relay, SlotReading reading, boolean servedHere,
			Map<String, Object> details, List<String> problems) {
		details.put("slot", partition.slot().name());
		details.put("publication", partition.publication().name());
		try {
			SlotStatus slot = reading.get();
			details.put("slotExists", slot.exists());
			details.put("currentWalLsn", slot.currentWal().asString());
			if (slot.exists()) {
				details.put("confirmedFlushLsn", slot.confirmedFlush().asString());
				details.put("restartLsn", slot.restart().asString());
				details.put("lagBytes", slot.lagBytes());
				details.put("retainedWalBytes", slot.retainedBytes());
				if (slot.walStatus() != null) {
					details.put("walStatus", slot.walStatus());
				}
				if (slot.safeWalSize() != null) {
					details.put("safeWalSizeBytes", slot.safeWalSize());
				}
				details.put("failover", slot.failover());
				if (slot.failover() && slot.standbySlots() != null) {
					details.put("synchronizedStandbySlots", slot.standbySlots());
					details.put("standbysCaughtUp", slot.standbysCaughtUp());
				}
			}
			details.put("parked", slot.deadLetters());
			if (servedHere && slot.isLost()) {
				problems.add("slot '" + partition.slot() + "' is lost: the server removed WAL it still needed "
						+ "(wal_status=lost)");
			}
			else if (servedHere && slot.lagBytes() > this.maxLagBytes) {
				problems.add("slot '" + partition.slot() + "' lags " + slot.lagBytes()
						+ " bytes, which exceeds outbox.health.max-lag (" + this.maxLagBytes + " bytes)");
			}
		}
		catch (SQLException ex) {
			details.put("slotError", Failures.describe(ex));
			if (servedHere) {
				problems.add("the status of slot '" + partition.slot() + "' could not be read");
			}
		}
		if (relay != null) {
			RelayStatistics statistics = relay.statistics();
			details.put("paused", relay.isPaused());
			details.put("buffered", relay.held());
			details.put("inFlight", relay.inFlight());
			details.put("delivered", statistics.delivered());
			details.put("publishFailures", statistics.publishFailures());
			details.put("reconnects", statistics.reconnects());
			if (statistics.lastDeliveryAt() != null) {
				details.put("lastDeliveryAt", statistics.lastDeliveryAt().toString());
			}
			if (relay.lastError() != null) {
				details.put("lastError", Failures.describe(relay.lastError()));
			}
		}
	}

	private static RelayState combined(Map<String, Relay> relays) {
		List<RelayState> states = relays.values().stream().map(Relay::state).toList();
		for (RelayState telling : List.of(RelayState.RECONNECTING, RelayState.STARTING, RelayState.RUNNING)) {
			if (states.contains(telling)) {
				return telling;
			}
		}
		return RelayState.STANDBY;
	}

	private static String name(RelayState state) {
		return state.name().toLowerCase(Locale.ROOT);
	}

}
