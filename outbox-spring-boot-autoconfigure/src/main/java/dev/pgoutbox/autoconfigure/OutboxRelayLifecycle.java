package dev.pgoutbox.autoconfigure;

import java.time.Duration;
import java.util.function.Supplier;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.context.SmartLifecycle;

import dev.pgoutbox.replication.OutboxRelay;
import dev.pgoutbox.replication.RelayState;
import dev.pgoutbox.replication.ReplicationPreflight;
import dev.pgoutbox.replication.ReplicationSetupException;

/**
 * Runs the {@link OutboxRelay} with the application context: started once the context
 * is refreshed, without blocking startup; stopped gracefully, after the web server has
 * stopped taking requests, so that messages written by the last requests are relayed.
 */
public class OutboxRelayLifecycle implements SmartLifecycle, InitializingBean {

	/** Starts after and stops before most beans, but after the web server's graceful shutdown. */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	private final Supplier<OutboxRelay> relayFactory;

	private final Duration shutdownTimeout;

	private final ReplicationPreflight preflight;

	private volatile OutboxRelay relay;

	public OutboxRelayLifecycle(Supplier<OutboxRelay> relayFactory, Duration shutdownTimeout) {
		this(relayFactory, shutdownTimeout, null);
	}

	/**
	 * Creates the adapter.
	 * @param relayFactory makes a relay for each start
	 * @param shutdownTimeout how long stop waits for messages in flight
	 * @param preflight checks run once at startup, so that a misconfigured relay fails the
	 * application's startup instead of retrying in the background; may be {@code null}
	 */
	public OutboxRelayLifecycle(Supplier<OutboxRelay> relayFactory, Duration shutdownTimeout,
			ReplicationPreflight preflight) {
		this.relayFactory = relayFactory;
		this.shutdownTimeout = shutdownTimeout;
		this.preflight = preflight;
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
		if (!isRunning()) {
			OutboxRelay created = this.relayFactory.get();
			created.start();
			this.relay = created;
		}
	}

	@Override
	public synchronized void stop() {
		OutboxRelay running = this.relay;
		if (running != null) {
			running.stop(this.shutdownTimeout);
		}
	}

	@Override
	public boolean isRunning() {
		OutboxRelay current = this.relay;
		return current != null && current.state() != RelayState.STOPPED;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Returns the relay of the current run.
	 * @return the relay, or {@code null} before the first start
	 */
	public OutboxRelay getRelay() {
		return this.relay;
	}

}
