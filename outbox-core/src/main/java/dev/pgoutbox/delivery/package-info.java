/**
 * Delivery of decoded messages to the application's publisher: per-key lanes, retries
 * with backoff, parking after the last attempt, and a completion told for each message
 * done; free of Spring.
 */
package dev.pgoutbox.delivery;
