package dev.pgoutbox.sample.clinic;

import java.time.Instant;
import java.util.UUID;

/**
 * Event: a patient's treatment with a medicine was finished.
 *
 * @param treatmentId the finished treatment
 * @param patientId the patient, also the event's ordering key
 * @param medicine the medicine
 * @param finishedAt when it was finished
 */
public record MedicineFinished(UUID treatmentId, String patientId, String medicine, Instant finishedAt) {

	/** The outbox message type of this event. */
	public static final String TYPE = "MedicineFinished";

	static MedicineFinished of(Treatment treatment) {
		return new MedicineFinished(treatment.getId(), treatment.getPatientId(), treatment.getMedicine(),
				treatment.getFinishedAt());
	}

}
