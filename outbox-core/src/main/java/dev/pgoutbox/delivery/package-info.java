/**
 * Delivery of decoded messages to the application's publisher: per-key lanes, retries
 * with backoff, parking after the last attempt, and a completion told for each message
 * done; free of Spring.
 *
 * <p>
 * Internal: not an API, and it may change without notice. Its types are public only for
 * {@code dev.pgoutbox.replication}, which offers the messages, and {@link Backoff} also
 * for the Spring glue, which builds it from properties.
 */
package dev.pgoutbox.delivery;
