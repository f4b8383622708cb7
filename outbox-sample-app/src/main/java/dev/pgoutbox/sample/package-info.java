/**
 * The sample application: a clinic service whose events travel through the outbox to
 * Kafka and back to a listener in the same application.
 */
package dev.pgoutbox.sample;
