package dev.pgoutbox.autoconfigure;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jackson2.autoconfigure.Jackson2AutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Import;

import dev.pgoutbox.JsonCodec;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which mapper the outbox writes JSON with on Spring Boot 4: the application's Jackson 3
 * mapper, its Jackson 2 mapper only where it set up Boot's Jackson 2 support, a default
 * Jackson 3 mapper without either, and a codec of the application's own over all.
 */
class OutboxJsonConfigurationTests {

	private static final Instant AT = Instant.parse("2026-12-01T10:15:30Z");

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(JsonOnly.class));

	@Test
	void usesTheApplicationsJackson3MapperWithItsSpringJacksonSettings() {
		this.runner.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class))
			.withPropertyValues("spring.jackson.property-naming-strategy=SNAKE_CASE")
			.run((context) -> {
				JsonCodec codec = context.getBean(JsonCodec.class);
				assertThat(codec).isInstanceOf(Jackson3JsonCodec.class);
				assertThat(codec.write(new Reading(AT))).isEqualTo("{\"taken_at\":\"2026-12-01T10:15:30Z\"}");
			});
	}

	@Test
	void usesTheApplicationsJackson2MapperOnlyWhereBootsJackson2SupportIsSetUp() {
		this.runner.withConfiguration(AutoConfigurations.of(Jackson2AutoConfiguration.class)).run((context) -> {
			JsonCodec codec = context.getBean(JsonCodec.class);
			assertThat(codec).isInstanceOf(Jackson2JsonCodec.class);
			assertThat(codec.write(new Reading(AT))).isEqualTo("{\"takenAt\":\"2026-12-01T10:15:30Z\"}");
		});
	}

	@Test
	void prefersJackson3WhenTheApplicationHasBothMappers() {
		this.runner
			.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, Jackson2AutoConfiguration.class))
			.run((context) -> assertThat(context.getBean(JsonCodec.class)).isInstanceOf(Jackson3JsonCodec.class));
	}

	@Test
	void writesIsoInstantsWithADefaultJackson3MapperWhenTheApplicationHasNone() {
		this.runner.run((context) -> {
			JsonCodec codec = context.getBean(JsonCodec.class);
			assertThat(codec).isInstanceOf(Jackson3JsonCodec.class);
			assertThat(codec.write(new Reading(AT))).isEqualTo("{\"takenAt\":\"2026-12-01T10:15:30Z\"}");
			assertThat(codec.readHeaders("{\"a\":\"1\",\"b\":\"2\"}")).containsExactly(Map.entry("a", "1"),
					Map.entry("b", "2"));
		});
	}

	@Test
	void backsOffForACodecOfTheApplicationsOwn() {
		JsonCodec own = new JsonCodec() {

			@Override
			public String write(Object value) {
				return "\"own\"";
			}

			@Override
			public Map<String, String> readStringMap(String json) {
				return Map.of();
			}

		};
		this.runner.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class))
			.withBean(JsonCodec.class, () -> own)
			.run((context) -> assertThat(context.getBean(JsonCodec.class)).isSameAs(own));
	}

	record Reading(Instant takenAt) {
	}

	/** The outbox's JSON configuration, ordered as its auto-configuration orders it. */
	@AutoConfiguration(after = { JacksonAutoConfiguration.class, Jackson2AutoConfiguration.class })
	@Import(OutboxJsonConfiguration.class)
	static class JsonOnly {

	}

}
