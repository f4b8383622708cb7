package dev.pgoutbox.autoconfigure;

import java.time.Duration;

import dev.pgoutbox.replication.SlotMonitor;

/**
 * Reads {@link OutboxStatus}: shared by the health indicator and the {@code outbox}
 * endpoint.
 */
public class OutboxStatusReader {

	private final OutboxRelayLifecycle lifecycle;

	private final SlotMonitor monitor;

	private final OutboxProperties properties;

	public OutboxStatusReader(OutboxRelayLifecycle lifecycle, SlotMonitor monitor, OutboxProperties properties) {
		this.lifecycle = lifecycle;
		this.monitor = monitor;
		this.properties = properties;
	}

	/**
	 * Reads the status now.
	 * @param timeout the longest wait for the database
	 * @return the status
	 */
	public OutboxStatus read(Duration timeout) {
		return OutboxStatus.read(this.lifecycle, this.monitor, this.properties, timeout);
	}

	/**
	 * Returns the relay lifecycle, for operations on the running relay.
	 * @return the lifecycle
	 */
	public OutboxRelayLifecycle lifecycle() {
		return this.lifecycle;
	}

}
