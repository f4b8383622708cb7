/**
 * The replication consumer: slot management, the backlog read of a new slot, the stream
 * loop, and the in-order acknowledgement of its position to the server; free of Spring.
 *
 * <p>
 * Internal: not an API, and it may change without notice. Its public types are those the
 * Spring glue assembles and watches the relay with: {@link OutboxRelay} and its
 * {@link RelaySettings}, the {@link ReplicationConnector}, the startup
 * {@link ReplicationPreflight} and the {@link SlotMonitor} with its {@link SlotReading}.
 */
package dev.pgoutbox.replication;
