/**
 * The outbox's public API: {@link dev.pgoutbox.OutboxPublisher} to write messages and
 * {@link dev.pgoutbox.MessagePublisher} to send them.
 */
package dev.pgoutbox;
