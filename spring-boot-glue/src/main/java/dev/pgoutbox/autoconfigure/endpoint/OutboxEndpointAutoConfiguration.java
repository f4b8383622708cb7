package dev.pgoutbox.autoconfigure.endpoint;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import dev.pgoutbox.DeadLetters;
import dev.pgoutbox.autoconfigure.OutboxAutoConfiguration;
import dev.pgoutbox.autoconfigure.OutboxProperties;
import dev.pgoutbox.autoconfigure.OutboxStatusReader;

/**
 * Auto-configuration of the {@code outbox} actuator endpoint.
 */
@AutoConfiguration(after = OutboxAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean({ OutboxStatusReader.class, DeadLetters.class })
@ConditionalOnAvailableEndpoint(OutboxEndpoint.class)
@EnableConfigurationProperties(OutboxEndpointProperties.class)
public class OutboxEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	OutboxEndpoint outboxEndpoint(OutboxStatusReader reader, DeadLetters deadLetters, OutboxProperties properties,
			OutboxEndpointProperties endpointProperties) {
		return new OutboxEndpoint(reader, deadLetters, properties, endpointProperties);
	}

}
