package dev.pgoutbox.sample.embedded;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Starts an embedded Kafka broker when no {@code spring.kafka.bootstrap-servers} is
 * configured, and points Spring Boot's Kafka clients at it.
 *
 * <p>
 * The broker is a plain bean, not a lifecycle: it starts when the first Kafka client bean
 * is created, before any listener or the outbox relay starts, and it is closed only after
 * every lifecycle, the outbox relay among them, has stopped and the clients that depend
 * on it are closed, so that messages relayed during shutdown still reach it.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnMissingProperty("spring.kafka.bootstrap-servers")
@EnableConfigurationProperties(EmbeddedKafkaProperties.class)
class EmbeddedKafkaConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedKafkaConfiguration.class);

	@Bean(destroyMethod = "close")
	EmbeddedKafkaBroker embeddedKafkaBroker(EmbeddedKafkaProperties properties) throws Exception {
		EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(properties.dataDir(), properties.port());
		logger.info("Embedded Kafka broker started at {} with data in {}", broker.bootstrapServers(),
				properties.dataDir().toAbsolutePath());
		return broker;
	}

	@Bean
	KafkaConnectionDetails embeddedKafkaConnectionDetails(EmbeddedKafkaBroker broker) {
		return () -> List.of(broker.bootstrapServers());
	}

}
