package dev.pgoutbox.cluster;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.schema.OutboxPartition;

/**
 * Runs the relays of the partitions this instance owns: every heartbeat it records itself
 * as alive, reads the live instances, computes the {@link PartitionAssignment}, starts
 * relays for partitions it gained and stops, gracefully, those it lost. A relay that
 * starts before the previous owner's has stopped stands by on the slot's lock, so two
 * instances never stream one slot. An instance that dies stops heartbeating; after the
 * instance timeout the others take its partitions.
 *
 * <p>
 * Thread-safe.
 */
public final class PartitionCoordinator {

	private static final Logger logger = LoggerFactory.getLogger(PartitionCoordinator.class);

	private final Map<String, OutboxPartition> partitions = new LinkedHashMap<>();

	private final Function<OutboxPartition, Relay> relayFactory;

	private final InstanceRegistry registry;

	private final String instanceId;

	private final Duration heartbeat;

	private final Duration instanceTimeout;

	private final Duration shutdownTimeout;

	private final Map<String, Relay> running = new ConcurrentHashMap<>();

	/**
	 * Partitions whose relay is stopping to hand them over, so that they are stopped
	 * once.
	 */
	private final Set<String> handingOver = ConcurrentHashMap.newKeySet();

	private final CountDownLatch stopped = new CountDownLatch(1);

	private volatile Map<String, String> owners = Map.of();

	private Thread thread;

	public PartitionCoordinator(List<OutboxPartition> partitions, Function<OutboxPartition, Relay> relayFactory,
			InstanceRegistry registry, String instanceId, Duration heartbeat, Duration instanceTimeout,
			Duration shutdownTimeout) {
		partitions.forEach((partition) -> this.partitions.put(partition.key(), partition));
		this.relayFactory = relayFactory;
		this.registry = registry;
		this.instanceId = instanceId;
		this.heartbeat = heartbeat;
		this.instanceTimeout = instanceTimeout;
		this.shutdownTimeout = shutdownTimeout;
	}

	/** Starts heartbeating and serving partitions on a thread of its own. */
	public synchronized void start() {
		if (this.thread != null) {
			throw new IllegalStateException("The partition coordinator was already started");
		}
		logger.info("Outbox instance '{}' sharing partitions {}", this.instanceId, this.partitions.keySet());
		this.thread = new Thread(this::run, "outbox-partitions");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	/**
	 * Stops serving: every relay stops gracefully (in parallel, each within the shutdown
	 * timeout), then the instance leaves the registry so that the others take over at
	 * their next heartbeat.
	 */
	public void stop() {
		Thread current;
		synchronized (this) {
			current = this.thread;
		}
		if (current == null) {
			return;
		}
		this.stopped.countDown();
		try {
			current.join(this.heartbeat.toMillis() + 5000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		stopAll(new ArrayList<>(this.running.keySet()));
		try {
			this.registry.remove(this.instanceId);
		}
		catch (SQLException ex) {
			logger.warn("Could not remove outbox instance '{}' from the registry ({}); the others take over after {} s",
					this.instanceId, ex.getMessage(), this.instanceTimeout.toSeconds());
		}
	}

	/** Returns the relays running here, by partition. @return a snapshot */
	public Map<String, Relay> relays() {
		return Map.copyOf(this.running);
	}

	/**
	 * Returns the owner of each partition as last computed. @return partition to instance
	 * id
	 */
	public Map<String, String> owners() {
		return this.owners;
	}

	/** Returns this instance's id. @return the id */
	public String instanceId() {
		return this.instanceId;
	}

	private void run() {
		List<String> keys = List.copyOf(this.partitions.keySet());
		do {
			try {
				// what runs here and stays ours; partitions being handed over are not
				// claimed
				List<String> serving = keys.stream()
					.filter((key) -> this.running.containsKey(key) && this.instanceId.equals(this.owners.get(key)))
					.toList();
				this.registry.heartbeat(this.instanceId, keys, serving);
				Map<String, String> assignment = PartitionAssignment.assign(keys,
						this.registry.live(this.instanceTimeout));
				this.owners = assignment;
				rebalance(keys, assignment);
			}
			catch (SQLException | RuntimeException ex) {
				// the relays keep running: their slot locks keep them exclusive meanwhile
				logger.warn("Outbox instance '{}' could not refresh its membership: {}", this.instanceId,
						ex.getMessage());
			}
		}
		while (!awaitStop(this.heartbeat));
	}

	private void rebalance(List<String> keys, Map<String, String> assignment) {
		List<String> lost = new ArrayList<>();
		for (String key : keys) {
			boolean mine = this.instanceId.equals(assignment.get(key));
			if (mine && !this.running.containsKey(key)) {
				Relay relay = this.relayFactory.apply(this.partitions.get(key));
				relay.start();
				this.running.put(key, relay);
				logger.info("Outbox instance '{}' now serves partition '{}'", this.instanceId, key);
			}
			else if (!mine && this.running.containsKey(key) && this.handingOver.add(key)) {
				// stopped once: asking again at each heartbeat would start a stop per
				// beat
				// and, before the first deadline held, push the hand-over's end out for
				// ever
				lost.add(key);
			}
		}
		if (!lost.isEmpty()) {
			logger.info("Outbox instance '{}' hands over partitions {}", this.instanceId, lost);
			// stopped off this thread, so that heartbeats go on while messages in flight
			// finish
			Thread handOver = new Thread(() -> stopAll(lost), "outbox-hand-over");
			handOver.setDaemon(true);
			handOver.start();
		}
	}

	private void stopAll(List<String> keys) {
		List<Thread> stops = new ArrayList<>();
		for (String key : keys) {
			Relay relay = this.running.get(key);
			if (relay == null) {
				continue;
			}
			Thread stop = new Thread(() -> {
				try {
					relay.stop(this.shutdownTimeout);
				}
				finally {
					this.running.remove(key, relay);
					this.handingOver.remove(key);
				}
			}, "outbox-stop-" + key);
			stop.setDaemon(true);
			stop.start();
			stops.add(stop);
		}
		for (Thread stop : stops) {
			try {
				stop.join(this.shutdownTimeout.toMillis() + 15000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	private boolean awaitStop(Duration delay) {
		try {
			return this.stopped.await(delay.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return true;
		}
	}

}
