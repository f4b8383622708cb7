package dev.pgoutbox.amqp;

import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxConfigurationException;
import dev.pgoutbox.OutboxHandler;

/**
 * Auto-configuration of the AMQP {@link MessagePublisher}: an
 * {@link AmqpMessagePublisher} named {@code outboxAmqpPublisher} over the application's
 * RabbitMQ connection factory, the handler {@code amqp} beside any handlers of the
 * application's own. Ordered after Spring Boot's RabbitMQ auto-configuration of either
 * Boot line and before the outbox's, which hands the publisher to the relay.
 *
 * <p>
 * The connection factory must have correlated publisher confirms and publisher returns
 * ({@code spring.rabbitmq.publisher-confirm-type=correlated},
 * {@code spring.rabbitmq.publisher-returns=true}); startup fails otherwise, since without
 * them the outbox cannot know whether the broker took a message.
 */
@AutoConfiguration(
		afterName = { "org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration",
				"org.springframework.boot.autoconfigure.amqp.RabbitAutoConfiguration" },
		beforeName = "dev.pgoutbox.autoconfigure.OutboxAutoConfiguration")
@ConditionalOnClass(RabbitTemplate.class)
@ConditionalOnProperty(prefix = "outbox.amqp", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(OutboxAmqpProperties.class)
public class OutboxAmqpAutoConfiguration {

	/**
	 * The publisher the relay calls.
	 * @param connectionFactory the application's connection factory
	 * @param properties the {@code outbox.amqp} configuration
	 * @return the publisher
	 */
	@Bean
	@ConditionalOnMissingBean(AmqpMessagePublisher.class)
	@ConditionalOnSingleCandidate(ConnectionFactory.class)
	public AmqpMessagePublisher outboxAmqpPublisher(ConnectionFactory connectionFactory,
			OutboxAmqpProperties properties) {
		if (!connectionFactory.isPublisherConfirms() || !connectionFactory.isPublisherReturns()) {
			throw new OutboxConfigurationException(
					"The outbox's AMQP publisher needs correlated publisher "
							+ "confirms and publisher returns to know whether the broker took each message, and the "
							+ "RabbitMQ connection factory has "
							+ (connectionFactory.isPublisherConfirms() ? "confirms but no returns"
									: connectionFactory.isPublisherReturns() ? "returns but no correlated confirms"
											: "neither")
							+ ".",
					"Set spring.rabbitmq.publisher-confirm-type=correlated and "
							+ "spring.rabbitmq.publisher-returns=true, or outbox.amqp.enabled=false to turn the "
							+ "module off.");
		}
		// a template of its own: mandatory, and without the retries or message converter
		// the application may have configured on its RabbitTemplate; the outbox retries
		RabbitTemplate template = new RabbitTemplate(connectionFactory);
		template.setMandatory(true);
		try {
			return new AmqpMessagePublisher(template, properties);
		}
		catch (IllegalArgumentException ex) {
			throw new OutboxConfigurationException("Invalid outbox.amqp configuration: " + ex.getMessage(),
					"Fix the outbox.amqp setting named above; the settings, their defaults and the placeholders "
							+ "of the templates are in the module's documentation (docs/amqp.md).",
					ex);
		}
	}

	/**
	 * The handler {@code amqp}, declared after the publisher, whose presence it depends
	 * on.
	 * @param publisher the publisher
	 * @return the handler
	 */
	@Bean
	@ConditionalOnMissingBean(name = "outboxAmqpHandler")
	@ConditionalOnBean(AmqpMessagePublisher.class)
	public OutboxHandler outboxAmqpHandler(AmqpMessagePublisher publisher) {
		return OutboxHandler.of("amqp", publisher);
	}

}
