package dev.pgoutbox.sample.messaging;

import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

/**
 * Under the {@code rabbitmq} profile, declares the exchange
 * {@link RabbitMessagePublisher} sends to and one durable queue bound to all of its
 * events, so that they are routable and one patient's events stay in order in that queue.
 */
@Configuration(proxyBeanMethods = false)
@Profile("rabbitmq")
class RabbitTopologyConfiguration {

	@Bean
	Declarables clinicTopology(@Value("${sample.rabbitmq.exchange:clinic}") String exchangeName,
			@Value("${sample.rabbitmq.queue:clinic.treatments}") String queueName) {
		TopicExchange exchange = new TopicExchange(exchangeName);
		Queue queue = QueueBuilder.durable(queueName).build();
		return new Declarables(exchange, queue, BindingBuilder.bind(queue).to(exchange).with("#"));
	}

}
