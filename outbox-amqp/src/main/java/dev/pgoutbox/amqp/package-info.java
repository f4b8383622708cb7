/**
 * A ready-made {@link dev.pgoutbox.MessagePublisher} for RabbitMQ and other AMQP 0-9-1
 * brokers over Spring AMQP, {@link dev.pgoutbox.amqp.AmqpMessagePublisher}, with its
 * auto-configuration {@link dev.pgoutbox.amqp.OutboxAmqpAutoConfiguration} and its
 * configuration {@link dev.pgoutbox.amqp.OutboxAmqpProperties} under {@code outbox.amqp}.
 */
package dev.pgoutbox.amqp;
