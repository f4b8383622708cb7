package dev.pgoutbox.autoconfigure;

import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.context.SmartLifecycle;

import dev.pgoutbox.cluster.PartitionCoordinator;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.replication.ReplicationPreflight;
import dev.pgoutbox.replication.ReplicationSetupException;
import dev.pgoutbox.schema.OutboxPartition;

/**
 * Runs the {@link Relay} with the application context: started once the context is
 * refreshed, without blocking startup; stopped gracefully, after the web server has
 * stopped taking requests, so that messages written by the last requests are relayed.
 */
public class OutboxRelayLifecycle implements SmartLifecycle, InitializingBean {

	/**
	 * Starts after and stops before most beans, but after the web server's graceful
	 * shutdown.
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	private final Supplier<Relay> relayFactory;

	private final Duration shutdownTimeout;

	private final ReplicationPreflight preflight;

	private final PartitionCoordinator coordinator;

	private volatile Relay relay;

	private volatile boolean coordinating;

	public OutboxRelayLifecycle(Supplier<Relay> relayFactory, Duration shutdownTimeout) {
		this(relayFactory, shutdownTimeout, null);
	}

	/**
	 * Creates the adapter.
	 * @param relayFactory makes a relay for each start
	 * @param shutdownTimeout how long stop waits for messages in flight
	 * @param preflight checks run once at startup, so that a misconfigured relay fails
	 * the application's startup instead of retrying in the background; may be
	 * {@code null}
	 */
	public OutboxRelayLifecycle(Supplier<Relay> relayFactory, Duration shutdownTimeout,
			ReplicationPreflight preflight) {
		this.relayFactory = relayFactory;
		this.shutdownTimeout = shutdownTimeout;
		this.preflight = preflight;
		this.coordinator = null;
	}

	/**
	 * Creates the adapter for several partitions shared among instances.
	 * @param coordinator runs the relays of the partitions this instance owns
	 * @param preflight checks run once at startup; may be {@code null}
	 */
	public OutboxRelayLifecycle(PartitionCoordinator coordinator, ReplicationPreflight preflight) {
		this.relayFactory = null;
		this.shutdownTimeout = Duration.ZERO;
		this.preflight = preflight;
		this.coordinator = coordinator;
	}

	@Override
	public void afterPropertiesSet() {
		if (this.preflight != null) {
			try {
				this.preflight.check();
			}
			catch (ReplicationSetupException ex) {
				throw new OutboxStartupException(ex.getMessage(), ex.getAction(), ex);
			}
		}
	}

	@Override
	public synchronized void start() {
		if (this.coordinator != null) {
			if (!this.coordinating) {
				this.coordinator.start();
				this.coordinating = true;
			}
			return;
		}
		if (!isRunning()) {
			Relay created = this.relayFactory.get();
			created.start();
			this.relay = created;
		}
	}

	@Override
	public synchronized void stop() {
		if (this.coordinator != null) {
			if (this.coordinating) {
				this.coordinator.stop();
				this.coordinating = false;
			}
			return;
		}
		Relay running = this.relay;
		if (running != null) {
			running.stop(this.shutdownTimeout);
		}
	}

	@Override
	public boolean isRunning() {
		if (this.coordinator != null) {
			return this.coordinating;
		}
		Relay current = this.relay;
		return current != null && current.state() != RelayState.STOPPED;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Returns the relay of the current run; with several partitions, one of those running
	 * here.
	 * @return the relay, or {@code null} if none runs
	 */
	public Relay getRelay() {
		if (this.coordinator != null) {
			return this.coordinator.relays().values().stream().findFirst().orElse(null);
		}
		return this.relay;
	}

	/**
	 * Returns the relays running here, by partition.
	 * @return the relays, empty if none runs
	 */
	public Map<String, Relay> getRelays() {
		if (this.coordinator != null) {
			return this.coordinator.relays();
		}
		Relay current = this.relay;
		return (current != null) ? Map.of(OutboxPartition.DEFAULT, current) : Map.of();
	}

	/**
	 * Returns the partition coordinator.
	 * @return the coordinator, or {@code null} with the single partition {@code default}
	 */
	public PartitionCoordinator getCoordinator() {
		return this.coordinator;
	}

}
