package dev.pgoutbox.sample.clinic;

import java.net.URI;
import java.util.List;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Pattern;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The patients' treatments over HTTP.
 */
@RestController
@RequestMapping("/patients/{patientId}/treatments")
class TreatmentController {

	private final TreatmentService treatments;

	TreatmentController(TreatmentService treatments) {
		this.treatments = treatments;
	}

	@PostMapping
	ResponseEntity<TreatmentResponse> assign(@PathVariable @Pattern(regexp = PatientIds.PATTERN) String patientId,
			@RequestBody @Valid AssignMedicineRequest request) {
		Treatment treatment = this.treatments.assign(patientId, request.medicine(), request.dosage());
		URI location = ServletUriComponentsBuilder.fromCurrentRequest()
			.path("/{treatmentId}")
			.buildAndExpand(treatment.getId())
			.toUri();
		return ResponseEntity.created(location).body(TreatmentResponse.of(treatment));
	}

	@PostMapping("/{treatmentId}/finish")
	TreatmentResponse finish(@PathVariable @Pattern(regexp = PatientIds.PATTERN) String patientId,
			@PathVariable UUID treatmentId) {
		return TreatmentResponse.of(this.treatments.finish(patientId, treatmentId));
	}

	@GetMapping("/{treatmentId}")
	TreatmentResponse treatment(@PathVariable @Pattern(regexp = PatientIds.PATTERN) String patientId,
			@PathVariable UUID treatmentId) {
		return TreatmentResponse.of(this.treatments.find(patientId, treatmentId));
	}

	@GetMapping
	List<TreatmentResponse> treatments(@PathVariable @Pattern(regexp = PatientIds.PATTERN) String patientId) {
		return this.treatments.treatmentsOf(patientId).stream().map(TreatmentResponse::of).toList();
	}

}
