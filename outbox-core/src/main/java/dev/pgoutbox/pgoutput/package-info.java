/**
 * A framework-free decoder of PostgreSQL's {@code pgoutput} logical replication protocol,
 * version 1, for the messages the outbox relay needs.
 */
package dev.pgoutbox.pgoutput;
