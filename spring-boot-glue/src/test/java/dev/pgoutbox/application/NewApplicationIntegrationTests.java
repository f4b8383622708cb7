package dev.pgoutbox.application;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.transaction.support.TransactionTemplate;

import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.testsupport.BootLine;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.OutboxContexts.Target;
import dev.pgoutbox.testsupport.RecordingPublisher;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A new application as a user writes it, on the Boot line under test: web, actuator, the
 * starter's dependencies and one {@code MessagePublisher} bean, everything else left to
 * auto-configuration, tried from outside over HTTP.
 */
class NewApplicationIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@Test
	void startsPublishesARecordWithAnInstantAndShowsHealthAndMeters() throws Exception {
		Target target = OutboxContexts.newTarget();
		SpringApplication application = new SpringApplication(UserApplication.class);
		try (ConfigurableApplicationContext context = application.run("--server.port=0",
				"--spring.datasource.url=" + target.url(),
				"--spring.datasource.username=" + TestPostgres.server().username(),
				"--spring.datasource.password=" + nullToEmpty(TestPostgres.server().password()),
				"--outbox.replication.slot-name=" + target.slot(),
				"--management.endpoints.web.exposure.include=health,metrics",
				// Boot answers /actuator/health/{component} only where components are
				// shown
				"--management.endpoint.health.show-details=always",
				// the application's own Jackson settings apply to payloads
				"--spring.jackson.property-naming-strategy=SNAKE_CASE")) {
			Instant at = Instant.parse("2026-12-01T10:15:30.123Z");
			UUID id = context.getBean(TransactionTemplate.class)
				.execute((status) -> context.getBean(OutboxPublisher.class)
					.publish("reading.taken", "meter-7", new Reading("meter-7", at, 42)));

			List<OutboxMessage> received = context.getBean(RecordingPublisher.class).awaitCount(1, WAIT);
			OutboxMessage message = received.get(0);
			assertThat(message.id()).isEqualTo(id);
			assertThat(message.type()).isEqualTo("reading.taken");
			// written by the application's mapper: its snake_case setting, and ISO-8601
			// text
			// for the instant, not a number, as Boot's Jackson defaults write it
			assertThat(message.payload()).contains("\"taken_at\":\"2026-12-01T10:15:30.123Z\"")
				.contains("\"value\":42");

			String port = context.getEnvironment().getProperty("local.server.port");
			assertThat(get(port, "/actuator/health/outbox")).startsWith("200 ")
				.contains("\"status\":\"UP\"")
				.contains("\"state\":\"running\"");
			String meters = get(port, "/actuator/metrics");
			assertThat(meters).startsWith("200 ")
				.contains("\"outbox.messages.delivered\"")
				.contains("\"outbox.replication.lag\"")
				.contains("\"outbox.messages.buffered\"");
			assertThat(get(port, "/actuator/metrics/outbox.messages.delivered")).startsWith("200 ")
				.contains("\"value\":1.0");
		}
	}

	private String get(String port, String path) throws Exception {
		HttpResponse<String> response = this.http
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
				.timeout(Duration.ofSeconds(10))
				.build(), HttpResponse.BodyHandlers.ofString());
		return response.statusCode() + " " + response.body();
	}

	private static String nullToEmpty(String value) {
		return (value != null) ? value : "";
	}

	/** What a user's service publishes: a record holding an {@link Instant}. */
	record Reading(String meter, Instant takenAt, int value) {
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = { BootLine.HIBERNATE, BootLine.JPA_REPOSITORIES, BootLine.FLYWAY, BootLine.LIQUIBASE })
	static class UserApplication {

		@Bean
		RecordingPublisher recordingPublisher() {
			return new RecordingPublisher();
		}

	}

}
