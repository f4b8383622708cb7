package dev.pgoutbox.relay;

import java.time.Duration;
import java.util.Map;

import dev.pgoutbox.Lsn;

/**
 * A running source of outbox messages and its delivery: what the lifecycle, the partition
 * coordinator, health, metrics and the endpoint see of the relay, whatever reads the
 * messages behind it.
 *
 * <p>
 * A relay runs once: {@link #start()}, then {@link #stop(Duration)}. Implementations are
 * thread-safe.
 */
public interface Relay {

	/**
	 * Starts relaying on threads of its own and returns at once.
	 * @throws IllegalStateException if the relay was started before
	 */
	void start();

	/**
	 * Stops the relay: takes no more messages, waits up to {@code timeout} for those
	 * taken, confirms the final position and closes its connections. Calling it again
	 * while the relay stops does not move the first call's deadline.
	 * @param timeout how long to wait for messages in flight, not {@code null}
	 */
	void stop(Duration timeout);

	/**
	 * Returns where the relay is in its life.
	 * @return the state, never {@code null}
	 */
	RelayState state();

	/**
	 * Returns the position up to which every message is delivered or parked.
	 * @return the position, never {@code null}
	 */
	Lsn confirmed();

	/**
	 * Returns the number of messages held between the source and the publisher.
	 * @return the count
	 */
	int held();

	/**
	 * Returns the number of publisher calls under way.
	 * @return the count
	 */
	int inFlight();

	/**
	 * Returns what the relay has done since it started.
	 * @return the counts, never {@code null}
	 */
	RelayStatistics statistics();

	/**
	 * Returns the counts of each handler, in the order the handlers were given; the
	 * reconnect count is the relay's.
	 * @return the counts by handler name
	 */
	default Map<String, RelayStatistics> handlerStatistics() {
		return Map.of();
	}

	/**
	 * Pauses or resumes delivery; while paused, reading stops once the buffer is full and
	 * the position holds.
	 * @param paused whether to pause
	 * @throws IllegalStateException if the relay is not started
	 */
	void setPaused(boolean paused);

	/**
	 * Returns whether delivery is paused.
	 * @return {@code true} if paused
	 */
	boolean isPaused();

	/**
	 * Returns the last connection or stream failure.
	 * @return the failure, or {@code null} if none
	 */
	Throwable lastError();

	/**
	 * Returns the name of the replication slot the relay reads.
	 * @return the slot's name, never {@code null}
	 */
	String slotName();

}
