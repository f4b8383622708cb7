package dev.pgoutbox.application;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.transaction.support.TransactionTemplate;

import dev.pgoutbox.DeadLetters;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.testsupport.BootLine;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.OutboxContexts.Target;
import dev.pgoutbox.testsupport.RecordingPublisher;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code outbox} actuator endpoint over HTTP, as an operator uses it, on the Boot
 * line under test: read, pause and resume, and the dead letters, whose payloads and
 * header values show only when {@code management.endpoint.outbox.show-values} says so.
 */
class OutboxEndpointHttpIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	private static final String SECRET_PAYLOAD = "jane.doe@example.com";

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@Test
	void readsPausesResumesAndListsDeadLettersWithTheirValuesMasked() throws Exception {
		try (ConfigurableApplicationContext context = start("--outbox.replication.username=postgres",
				"--outbox.replication.password=hunter2-secret", "--outbox.cleanup.batch-size=7")) {
			String port = context.getEnvironment().getProperty("local.server.port");
			String status = get(port, "/actuator/outbox");
			assertThat(status).startsWith("200 ")
				.contains("\"state\":\"running\"")
				.contains("\"password\":\"******\"")
				.doesNotContain("hunter2")
				.contains("\"cleanup\":{")
				.contains("\"batchSize\":7")
				.contains("\"membership\":{")
				.contains("\"partitions\":[\"default\"]")
				.contains("\"typeTag\":false")
				.contains("\"reconnectMaxDelay\":");

			assertThat(post(port, "/actuator/outbox/pause")).startsWith("200 ").contains("\"paused\":true");
			assertThat(get(port, "/actuator/outbox")).contains("\"paused\":true");
			assertThat(post(port, "/actuator/outbox/resume")).startsWith("200 ").contains("\"paused\":false");
			assertThat(get(port, "/actuator/outbox")).contains("\"paused\":false");

			UUID id = park(context);
			String deadLetters = get(port, "/actuator/outbox/dead-letters?offset=0&limit=10");
			assertThat(deadLetters).startsWith("200 ")
				.contains("\"total\":1")
				.contains("\"id\":\"" + id + "\"")
				.contains("\"type\":\"Rejected\"")
				.contains("\"payload\":\"******\"")
				.contains("\"customer\":\"******\"")
				.doesNotContain(SECRET_PAYLOAD)
				.doesNotContain("jane-42");
			assertThat(get(port, "/actuator/outbox/dead-letters?limit=0")).startsWith("400 ");
		}
	}

	@Test
	void showsDeadLetterValuesWhenShowValuesIsAlways() throws Exception {
		try (ConfigurableApplicationContext context = start("--management.endpoint.outbox.show-values=always")) {
			String port = context.getEnvironment().getProperty("local.server.port");
			UUID id = park(context);
			String deadLetters = get(port, "/actuator/outbox/dead-letters");
			assertThat(deadLetters).startsWith("200 ")
				.contains("\"id\":\"" + id + "\"")
				.contains(SECRET_PAYLOAD)
				.contains("\"customer\":\"jane-42\"")
				.doesNotContain("******");
		}
	}

	private ConfigurableApplicationContext start(String... extra) {
		Target target = OutboxContexts.newTarget();
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--spring.datasource.url=" + target.url(),
				"--spring.datasource.username=" + TestPostgres.server().username(),
				"--spring.datasource.password=" + nullToEmpty(TestPostgres.server().password()),
				"--outbox.replication.slot-name=" + target.slot(), "--outbox.delivery.retry.max-attempts=1",
				"--management.endpoints.web.exposure.include=health,outbox"));
		args.addAll(List.of(extra));
		ConfigurableApplicationContext context = new SpringApplication(OperatedApplication.class)
			.run(args.toArray(String[]::new));
		OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
		// the relay is up once a message goes through
		context.getBean(TransactionTemplate.class)
			.executeWithoutResult((status) -> outbox.publish("Accepted", "k", Map.of("n", 1)));
		context.getBean(RecordingPublisher.class).awaitCount(1, WAIT);
		return context;
	}

	/** Publishes a message the broker rejects and waits until it is parked. */
	private static UUID park(ConfigurableApplicationContext context) {
		UUID id = context.getBean(TransactionTemplate.class)
			.execute((status) -> context.getBean(OutboxPublisher.class)
				.publish("Rejected", "customer-42", Map.of("email", SECRET_PAYLOAD), Map.of("customer", "jane-42")));
		DeadLetters deadLetters = context.getBean(DeadLetters.class);
		Awaitility.await().atMost(WAIT).until(() -> deadLetters.count() == 1);
		return id;
	}

	private String get(String port, String path) throws Exception {
		return send(HttpRequest.newBuilder(uri(port, path)).GET());
	}

	/** A POST without a body, as {@code curl -X POST} sends it. */
	private String post(String port, String path) throws Exception {
		return send(HttpRequest.newBuilder(uri(port, path)).POST(HttpRequest.BodyPublishers.noBody()));
	}

	private String send(HttpRequest.Builder request) throws Exception {
		HttpResponse<String> response = this.http.send(request.timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString());
		return response.statusCode() + " " + response.body();
	}

	private static URI uri(String port, String path) {
		return URI.create("http://localhost:" + port + path);
	}

	private static String nullToEmpty(String value) {
		return (value != null) ? value : "";
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration(
			excludeName = { BootLine.HIBERNATE, BootLine.JPA_REPOSITORIES, BootLine.FLYWAY, BootLine.LIQUIBASE })
	static class OperatedApplication {

		@Bean
		RecordingPublisher recordingPublisher() {
			RecordingPublisher publisher = new RecordingPublisher();
			publisher.setHook((message) -> {
				if (message.type().equals("Rejected")) {
					throw new IllegalStateException("rejected by the broker");
				}
			});
			return publisher;
		}

	}

}
