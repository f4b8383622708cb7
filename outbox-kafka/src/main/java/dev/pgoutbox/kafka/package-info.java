/**
 * A ready {@link dev.pgoutbox.MessagePublisher} that relays the outbox to Kafka, with its
 * Spring Boot auto-configuration and {@code outbox.kafka.*} settings.
 */
package dev.pgoutbox.kafka;
