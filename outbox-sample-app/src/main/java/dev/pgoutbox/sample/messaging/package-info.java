/**
 * The sending side: the topics the outbox's Kafka publisher (the {@code outbox-kafka}
 * module, configured under {@code outbox.kafka} in {@code application.yml}) sends the
 * clinic's events to, the header names consumers read, and a
 * {@link dev.pgoutbox.MessagePublisher} for RabbitMQ under the {@code rabbitmq} profile.
 */
package dev.pgoutbox.sample.messaging;
