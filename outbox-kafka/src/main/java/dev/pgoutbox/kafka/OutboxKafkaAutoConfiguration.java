package dev.pgoutbox.kafka;

import java.time.Duration;
import java.util.Map;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;

import dev.pgoutbox.OutboxConfigurationException;
import dev.pgoutbox.OutboxHandler;

/**
 * Auto-configuration of the {@link KafkaMessagePublisher} the outbox relays to, on either
 * Boot line: ordered after Boot's Kafka auto-configuration, whose producer factory it
 * derives its own producer from, and before the outbox's, which calls it.
 *
 * <p>
 * The outbox's producer takes the configuration of the application's
 * {@link ProducerFactory} (so {@code spring.kafka.*}, connection details and SSL bundles
 * apply) without its transaction id, then {@code outbox.kafka.producer.*}, String
 * serializers, {@code acks=all} and {@code enable.idempotence=true} where nothing else is
 * set, and {@code max.block.ms} capped at the send timeout. A setting that contradicts
 * the outbox's guarantees, such as {@code acks=1}, fails startup rather than being
 * overridden.
 */
@AutoConfiguration(
		afterName = { "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration",
				"org.springframework.boot.autoconfigure.kafka.KafkaAutoConfiguration" },
		beforeName = "dev.pgoutbox.autoconfigure.OutboxAutoConfiguration")
@ConditionalOnClass(KafkaTemplate.class)
@ConditionalOnProperty(prefix = "outbox.kafka", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(OutboxKafkaProperties.class)
public class OutboxKafkaAutoConfiguration {

	/** The default of {@code outbox.delivery.publish-timeout}. */
	private static final Duration DEFAULT_PUBLISH_TIMEOUT = Duration.ofSeconds(30);

	/**
	 * The handler {@code kafka}, beside any handlers of the application's own.
	 * @param publisher the publisher
	 * @return the handler
	 */
	@Bean
	@ConditionalOnMissingBean(name = "outboxKafkaHandler")
	OutboxHandler outboxKafkaHandler(KafkaMessagePublisher publisher) {
		return OutboxHandler.of("kafka", publisher);
	}

	@Bean(name = "outboxKafkaPublisher")
	@ConditionalOnMissingBean(KafkaMessagePublisher.class)
	KafkaMessagePublisher outboxKafkaPublisher(OutboxKafkaProperties properties,
			ObjectProvider<ProducerFactory<?, ?>> producerFactories, Environment environment) {
		Duration sendTimeout = properties.getSendTimeout();
		Duration publishTimeout = Binder.get(environment)
			.bind("outbox.delivery.publish-timeout", Duration.class)
			.orElse(DEFAULT_PUBLISH_TIMEOUT);
		if (sendTimeout == null || sendTimeout.isNegative() || sendTimeout.isZero()) {
			throw new OutboxConfigurationException("'outbox.kafka.send-timeout' must be positive, not " + sendTimeout,
					"Set outbox.kafka.send-timeout to a positive duration below outbox.delivery.publish-timeout, or "
							+ "leave it out for the default (20s).");
		}
		if (sendTimeout.compareTo(publishTimeout) >= 0) {
			throw new OutboxConfigurationException("'outbox.kafka.send-timeout' (" + sendTimeout
					+ ") must be shorter than 'outbox.delivery.publish-timeout' (" + publishTimeout
					+ "), so that a send the broker does not acknowledge fails with Kafka's error before the outbox "
					+ "gives up on it", "Lower outbox.kafka.send-timeout or raise outbox.delivery.publish-timeout.");
		}
		ProducerFactory<?, ?> application = producerFactories.getIfUnique();
		if (application == null) {
			throw new OutboxConfigurationException(
					"The outbox's Kafka publisher derives its producer from the "
							+ "application's Kafka ProducerFactory, and there is not exactly one.",
					"Add Spring Boot's Kafka support (spring-boot-starter-kafka) and spring.kafka.bootstrap-servers, "
							+ "or set outbox.kafka.enabled=false and define a MessagePublisher of your own.");
		}
		try {
			Map<String, Object> config = ProducerSettings.derive(configuration(application), properties.getProducer(),
					sendTimeout);
			DefaultKafkaProducerFactory<String, String> factory = new DefaultKafkaProducerFactory<>(config);
			try {
				return new KafkaMessagePublisher(new KafkaTemplate<>(factory), properties, true);
			}
			catch (RuntimeException ex) {
				factory.destroy();
				throw ex;
			}
		}
		catch (OutboxConfigurationException ex) {
			throw ex;
		}
		catch (IllegalArgumentException | IllegalStateException ex) {
			throw new OutboxConfigurationException("Invalid outbox.kafka configuration: " + ex.getMessage(),
					"Fix the setting named above; the outbox.kafka settings, their defaults and the placeholders "
							+ "of the topic template are in the module's documentation (docs/kafka.md).",
					ex);
		}
	}

	private static Map<String, Object> configuration(ProducerFactory<?, ?> factory) {
		try {
			return factory.getConfigurationProperties();
		}
		catch (UnsupportedOperationException ex) {
			throw new IllegalStateException("The outbox's Kafka publisher cannot derive its producer from the "
					+ "application's ProducerFactory " + factory.getClass().getName()
					+ ": it does not expose its configuration", ex);
		}
	}

}
