package dev.pgoutbox.sample;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpMethod;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample as a user runs it: on its embedded PostgreSQL, a greeting written over HTTP
 * reaches the publisher through the WAL.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "sample.embedded-postgres.data-dir=target/embedded-postgres-test")
class SampleApplicationIntegrationTests {

	@Autowired
	private TestRestTemplate rest;

	@Test
	void greetingWrittenOverHttpIsDelivered() {
		@SuppressWarnings("unchecked")
		Map<String, Object> greeting = this.rest.postForObject("/greetings?name=grace", null, Map.class);
		assertThat(greeting).containsEntry("name", "grace");

		Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			List<Map<String, Object>> delivered = this.rest
				.exchange("/delivered", HttpMethod.GET, null, new ParameterizedTypeReference<List<Map<String, Object>>>() {
				})
				.getBody();
			assertThat(delivered).anySatisfy((message) -> {
				assertThat(message).containsEntry("type", "GreetingCreated").containsEntry("key", "grace");
				assertThat((String) message.get("payload")).contains("\"id\":" + greeting.get("id"));
			});
		});
	}

}
