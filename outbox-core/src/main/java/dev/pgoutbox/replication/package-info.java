/**
 * The replication consumer: slot management, the backlog read of a new slot, the stream
 * loop, and the in-order acknowledgement of its position to the server; free of Spring.
 */
package dev.pgoutbox.replication;
