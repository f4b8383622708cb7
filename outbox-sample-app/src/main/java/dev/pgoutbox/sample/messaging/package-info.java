/**
 * The sending side: the {@link dev.pgoutbox.MessagePublisher} that hands committed outbox
 * messages to Kafka, and one for RabbitMQ under the {@code rabbitmq} profile.
 */
package dev.pgoutbox.sample.messaging;
