package dev.pgoutbox.autoconfigure;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.pgoutbox.JsonCodec;

/**
 * The outbox's {@link JsonCodec} on Spring Boot 3.5: the application's Jackson 2
 * {@link ObjectMapper}, or one with Boot's defaults where it has none.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(ObjectMapper.class)
class OutboxJsonConfiguration {

	@Bean
	@ConditionalOnMissingBean
	JsonCodec outboxJsonCodec(ObjectProvider<ObjectMapper> mapper) {
		ObjectMapper application = mapper.getIfUnique();
		return (application != null) ? new Jackson2JsonCodec(application) : Jackson2JsonCodec.withBootDefaults();
	}

}
