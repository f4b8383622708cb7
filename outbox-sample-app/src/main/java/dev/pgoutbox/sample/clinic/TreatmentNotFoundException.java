package dev.pgoutbox.sample.clinic;

import java.util.UUID;

/**
 * Thrown when a patient has no treatment with the given id.
 */
public class TreatmentNotFoundException extends RuntimeException {

	TreatmentNotFoundException(String patientId, UUID treatmentId) {
		super("Patient '" + patientId + "' has no treatment " + treatmentId);
	}

}
