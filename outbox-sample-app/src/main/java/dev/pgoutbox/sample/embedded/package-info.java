/**
 * Embedded PostgreSQL and Kafka, started only when no external server is configured, so
 * that the sample runs with nothing installed but a JDK.
 */
package dev.pgoutbox.sample.embedded;
