package dev.pgoutbox.autoconfigure;

import com.fasterxml.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import dev.pgoutbox.JsonCodec;

/**
 * The outbox's {@link JsonCodec} on Spring Boot 4: the application's Jackson 3
 * {@link JsonMapper}; else its Jackson 2 {@link ObjectMapper}, where it configured Boot's
 * Jackson 2 support; else a Jackson 3 mapper with its defaults. The three exclude each
 * other by their conditions rather than by the order they are read in, which Spring does
 * not keep for classes whose conditions wait for other beans.
 */
@Configuration(proxyBeanMethods = false)
@Import({ OutboxJsonConfiguration.ApplicationJackson3.class, OutboxJsonConfiguration.ApplicationJackson2.class,
		OutboxJsonConfiguration.DefaultJackson3.class })
class OutboxJsonConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(JsonMapper.class)
	@ConditionalOnBean(JsonMapper.class)
	static class ApplicationJackson3 {

		@Bean
		@ConditionalOnMissingBean
		JsonCodec outboxJsonCodec(JsonMapper mapper) {
			return new Jackson3JsonCodec(mapper);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(ObjectMapper.class)
	@ConditionalOnBean(ObjectMapper.class)
	@ConditionalOnMissingBean(type = "tools.jackson.databind.json.JsonMapper")
	static class ApplicationJackson2 {

		@Bean
		@ConditionalOnMissingBean
		JsonCodec outboxJsonCodec(ObjectMapper mapper) {
			return new Jackson2JsonCodec(mapper);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(JsonMapper.class)
	@ConditionalOnMissingBean(
			type = { "tools.jackson.databind.json.JsonMapper", "com.fasterxml.jackson.databind.ObjectMapper" })
	static class DefaultJackson3 {

		@Bean
		@ConditionalOnMissingBean
		JsonCodec outboxJsonCodec() {
			// Jackson 3 writes dates as ISO-8601 text by default, as Boot's own settings
			// do
			return new Jackson3JsonCodec(JsonMapper.builder().build());
		}

	}

}
