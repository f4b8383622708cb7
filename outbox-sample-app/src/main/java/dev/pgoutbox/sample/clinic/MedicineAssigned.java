package dev.pgoutbox.sample.clinic;

import java.time.Instant;
import java.util.UUID;

/**
 * Event: a medicine was assigned to a patient.
 *
 * @param treatmentId the new treatment
 * @param patientId the patient, also the event's ordering key
 * @param medicine the medicine
 * @param dosage how much and how often
 * @param assignedAt when it was assigned
 */
public record MedicineAssigned(UUID treatmentId, String patientId, String medicine, String dosage, Instant assignedAt) {

	/** The outbox message type of this event. */
	public static final String TYPE = "MedicineAssigned";

	static MedicineAssigned of(Treatment treatment) {
		return new MedicineAssigned(treatment.getId(), treatment.getPatientId(), treatment.getMedicine(),
				treatment.getDosage(), treatment.getAssignedAt());
	}

}
