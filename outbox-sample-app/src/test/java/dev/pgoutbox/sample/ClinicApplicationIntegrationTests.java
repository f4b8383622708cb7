package dev.pgoutbox.sample;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.FileSystemUtils;

import dev.pgoutbox.sample.clinic.AssignMedicineRequest;
import dev.pgoutbox.sample.clinic.MedicineAssigned;
import dev.pgoutbox.sample.clinic.MedicineFinished;
import dev.pgoutbox.sample.clinic.TreatmentResponse;
import dev.pgoutbox.sample.clinic.TreatmentStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample as a user runs it, on its embedded PostgreSQL and Kafka: treatments changed
 * over HTTP reach the Kafka listener through the WAL, the outbox relay and the broker.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "sample.embedded-postgres.data-dir=target/e2e/postgres",
				"sample.embedded-kafka.data-dir=target/e2e/kafka", "sample.embedded-kafka.port=0" })
@AutoConfigureTestRestTemplate
class ClinicApplicationIntegrationTests {

	private static final Path DATA = Path.of("target", "e2e");

	private static final Duration DEADLINE = Duration.ofSeconds(30);

	@Autowired
	private TestRestTemplate rest;

	@BeforeAll
	static void startFromEmptyDataDirectories() throws IOException {
		// runs before the application context is created, so the servers start on fresh
		// data
		FileSystemUtils.deleteRecursively(DATA);
	}

	@Test
	void eventsOfEachPatientReachTheListenerInCommitOrder() {
		String run = UUID.randomUUID().toString().substring(0, 8);
		List<String> patients = List.of("ada-" + run, "grace-" + run, "alan-" + run);
		Map<String, List<String>> expected = new LinkedHashMap<>();
		Map<String, List<UUID>> treatments = new LinkedHashMap<>();
		patients.forEach((patient) -> {
			expected.put(patient, new ArrayList<>());
			treatments.put(patient, new ArrayList<>());
		});
		// the patients' requests interleave, so their events share partitions and the
		// relay's lanes
		for (String medicine : List.of("ibuprofen", "amoxicillin", "omeprazole")) {
			for (String patient : patients) {
				UUID treatment = assign(patient, medicine).id();
				treatments.get(patient).add(treatment);
				expected.get(patient).add(MedicineAssigned.TYPE + " " + treatment);
			}
		}
		for (int index : List.of(1, 0, 2)) {
			for (String patient : patients) {
				UUID treatment = treatments.get(patient).get(index);
				assertThat(finish(patient, treatment).getStatusCode()).isEqualTo(HttpStatus.OK);
				expected.get(patient).add(MedicineFinished.TYPE + " " + treatment);
			}
		}

		await().atMost(DEADLINE).untilAsserted(() -> patients.forEach((patient) -> {
			List<Received> received = received(patient);
			assertThat(received)
				.extracting((event) -> event.type() + " " + event.payload().get("treatmentId").asString())
				.as("events of %s in arrival order", patient)
				.containsExactlyElementsOf(expected.get(patient));
			assertThat(received).extracting(Received::messageId).doesNotContainNull().doesNotHaveDuplicates();
			assertThat(received).extracting(Received::topic).containsOnly("clinic.treatments");
			assertThat(received).extracting(Received::partition)
				.as("one partition per patient")
				.hasSameElementsAs(List.of(received.get(0).partition()));
		}));
	}

	@Test
	void assigningRespondsCreatedWithLocationOfTheTreatment() {
		String patient = "p-" + UUID.randomUUID();
		ResponseEntity<TreatmentResponse> created = this.rest.postForEntity("/patients/{patient}/treatments",
				new AssignMedicineRequest("paracetamol", "1 g every 6 hours"), TreatmentResponse.class, patient);

		assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
		assertThat(created.getBody().status()).isEqualTo(TreatmentStatus.ACTIVE);
		TreatmentResponse fetched = this.rest.getForObject(created.getHeaders().getLocation(), TreatmentResponse.class);
		assertThat(fetched).isEqualTo(created.getBody());
	}

	@Test
	void invalidInputIsRejectedWithProblemDetailListingEachError() {
		ResponseEntity<JsonNode> response = this.rest.postForEntity("/patients/{patient}/treatments",
				new AssignMedicineRequest(" ", null), JsonNode.class, "p-1");

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(response.getBody().get("status").asInt()).isEqualTo(400);
		assertThat(response.getBody().get("errors").findValuesAsString("name")).containsExactlyInAnyOrder("medicine",
				"dosage");
	}

	@Test
	void invalidPatientIdIsRejectedWithProblemDetail() {
		ResponseEntity<JsonNode> response = this.rest.getForEntity("/patients/{patient}/received-events",
				JsonNode.class, "not a valid id!");

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(response.getBody().get("errors").findValuesAsString("name")).containsExactly("patientId");
	}

	@Test
	void finishingAnUnknownTreatmentIsNotFound() {
		ResponseEntity<JsonNode> response = finish("p-1", UUID.randomUUID());

		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
		assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
	}

	@Test
	void finishingTwiceIsAConflictAndPublishesOneEvent() {
		String patient = "p-" + UUID.randomUUID();
		UUID treatment = assign(patient, "ibuprofen").id();
		assertThat(finish(patient, treatment).getStatusCode()).isEqualTo(HttpStatus.OK);

		ResponseEntity<JsonNode> again = finish(patient, treatment);

		assertThat(again.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
		assertThat(again.getBody().get("title").asString()).isEqualTo("Treatment already finished");
		await().atMost(DEADLINE)
			.untilAsserted(() -> assertThat(received(patient)).extracting(Received::type)
				.containsExactly(MedicineAssigned.TYPE, MedicineFinished.TYPE));
	}

	@Test
	void healthIsUpWithDetails() {
		ResponseEntity<JsonNode> health = this.rest.getForEntity("/actuator/health", JsonNode.class);

		assertThat(health.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(health.getBody().get("status").asString()).isEqualTo("UP");
		assertThat(health.getBody().get("components").has("db")).isTrue();
	}

	private TreatmentResponse assign(String patient, String medicine) {
		ResponseEntity<TreatmentResponse> response = this.rest.postForEntity("/patients/{patient}/treatments",
				new AssignMedicineRequest(medicine, "once a day"), TreatmentResponse.class, patient);
		assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CREATED);
		return response.getBody();
	}

	private ResponseEntity<JsonNode> finish(String patient, UUID treatment) {
		return this.rest.postForEntity("/patients/{patient}/treatments/{treatment}/finish", null, JsonNode.class,
				patient, treatment);
	}

	private List<Received> received(String patient) {
		Received[] received = this.rest.getForObject("/patients/{patient}/received-events", Received[].class, patient);
		return List.of(received);
	}

	/** A received event as the API shows it, with its payload as a JSON tree. */
	record Received(UUID messageId, String type, JsonNode payload, String topic, int partition, long offset) {
	}

}
