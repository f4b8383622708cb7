package dev.pgoutbox.sample.inbox;

import java.util.List;

import jakarta.validation.constraints.Pattern;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import dev.pgoutbox.sample.clinic.PatientIds;

/**
 * Shows, per patient, the events the Kafka listener received, in arrival order.
 */
@RestController
class ReceivedEventController {

	private final ReceivedEventRepository events;

	ReceivedEventController(ReceivedEventRepository events) {
		this.events = events;
	}

	@GetMapping("/patients/{patientId}/received-events")
	List<ReceivedEventResponse> receivedEvents(@PathVariable @Pattern(regexp = PatientIds.PATTERN) String patientId) {
		return this.events.findByPatientIdOrderBySeqAsc(patientId).stream().map(ReceivedEventResponse::of).toList();
	}

}
