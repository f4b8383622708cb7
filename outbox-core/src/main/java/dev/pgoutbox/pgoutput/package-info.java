/**
 * A framework-free decoder of PostgreSQL's {@code pgoutput} logical replication protocol,
 * version 1, for the messages the outbox relay needs.
 *
 * <p>
 * Internal: not an API, and it may change without notice. Its types are public only
 * because {@code dev.pgoutbox.replication}, which reads the stream, decodes with them.
 */
package dev.pgoutbox.pgoutput;
