package dev.pgoutbox.sample.embedded;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class OnMissingPropertyConditionTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withUserConfiguration(EmbeddedOnlyConfiguration.class);

	@Test
	void matchesWhenPropertyIsNotSet() {
		this.contextRunner.run((context) -> assertThat(context).hasBean("embeddedServer"));
	}

	@Test
	void doesNotMatchWhenPropertyHasValue() {
		this.contextRunner.withPropertyValues("spring.kafka.bootstrap-servers=kafka-1:9092,kafka-2:9092")
			.run((context) -> assertThat(context).doesNotHaveBean("embeddedServer"));
	}

	@Test
	void doesNotMatchWhenPropertyIsGivenAsList() {
		this.contextRunner.withPropertyValues("spring.kafka.bootstrap-servers[0]=kafka-1:9092")
			.run((context) -> assertThat(context).doesNotHaveBean("embeddedServer"));
	}

	@Test
	void doesNotMatchWhenPropertyIsGivenInAnotherSpelling() {
		this.contextRunner.withPropertyValues("spring.kafka.bootstrapServers=kafka-1:9092")
			.run((context) -> assertThat(context).doesNotHaveBean("embeddedServer"));
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingProperty("spring.kafka.bootstrap-servers")
	static class EmbeddedOnlyConfiguration {

		@Bean
		String embeddedServer() {
			return "embedded";
		}

	}

}
