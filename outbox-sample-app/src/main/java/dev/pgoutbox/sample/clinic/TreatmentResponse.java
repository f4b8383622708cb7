package dev.pgoutbox.sample.clinic;

import java.time.Instant;
import java.util.UUID;

/**
 * A treatment as the API shows it.
 *
 * @param id the treatment's id
 * @param patientId the patient
 * @param medicine the medicine
 * @param dosage how much and how often
 * @param status where the treatment stands
 * @param assignedAt when the medicine was assigned
 * @param finishedAt when the treatment was finished, {@code null} while it is active
 */
public record TreatmentResponse(UUID id, String patientId, String medicine, String dosage, TreatmentStatus status,
		Instant assignedAt, Instant finishedAt) {

	static TreatmentResponse of(Treatment treatment) {
		return new TreatmentResponse(treatment.getId(), treatment.getPatientId(), treatment.getMedicine(),
				treatment.getDosage(), treatment.getStatus(), treatment.getAssignedAt(), treatment.getFinishedAt());
	}

}
