package dev.pgoutbox.sample.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.concurrent.TimeUnit;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;

/**
 * Sends each committed outbox message to a RabbitMQ exchange and returns only once the
 * broker has confirmed it; a nack, an unroutable message or no confirm in time throws,
 * and the outbox retries it. Active under the {@code rabbitmq} profile, instead of the
 * Kafka one.
 */
@Component
@Profile("rabbitmq")
class RabbitMessagePublisher implements MessagePublisher {

	private final RabbitTemplate rabbit;

	private final String exchange;

	private final Duration confirmTimeout;

	// needs spring.rabbitmq.publisher-confirm-type=correlated, publisher-returns=true,
	// template.mandatory=true
	RabbitMessagePublisher(RabbitTemplate rabbit, @Value("${sample.rabbitmq.exchange:clinic}") String exchange,
			@Value("${sample.rabbitmq.confirm-timeout:10s}") Duration confirmTimeout) {
		this.rabbit = rabbit;
		this.exchange = exchange;
		this.confirmTimeout = confirmTimeout;
	}

	@Override
	public void publish(OutboxMessage message) throws Exception {
		MessageProperties properties = new MessageProperties();
		properties.setMessageId(message.id().toString());
		properties.setType(message.type());
		properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
		properties.setTimestamp(Date.from(message.committedAt()));
		message.headers().forEach(properties::setHeader);
		properties.setHeader("message-key", message.key());
		Message amqpMessage = new Message(message.payload().getBytes(StandardCharsets.UTF_8), properties);

		CorrelationData correlation = new CorrelationData(message.id().toString());
		this.rabbit.send(this.exchange, message.type(), amqpMessage, correlation);
		CorrelationData.Confirm confirm = correlation.getFuture()
			.get(this.confirmTimeout.toMillis(), TimeUnit.MILLISECONDS);
		if (!confirm.ack()) {
			throw new AmqpException("RabbitMQ did not take " + message + ": " + confirm.reason());
		}
		// a returned message is set before its confirm completes the future
		if (correlation.getReturned() != null) {
			throw new AmqpException("RabbitMQ could not route " + message + " from exchange '" + this.exchange + "': "
					+ correlation.getReturned().getReplyText());
		}
	}

}
