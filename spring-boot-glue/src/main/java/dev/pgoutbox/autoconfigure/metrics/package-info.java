/**
 * The outbox's Micrometer metrics.
 */
package dev.pgoutbox.autoconfigure.metrics;
