/**
 * Delivery of decoded messages to the application's publisher: per-key lanes, retries
 * with backoff, and in-order acknowledgement; free of Spring.
 */
package dev.pgoutbox.delivery;
