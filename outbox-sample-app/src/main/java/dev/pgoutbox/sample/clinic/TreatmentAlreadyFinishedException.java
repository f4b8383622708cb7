package dev.pgoutbox.sample.clinic;

import java.util.UUID;

/**
 * Thrown when a treatment that is already finished is finished again.
 */
public class TreatmentAlreadyFinishedException extends RuntimeException {

	TreatmentAlreadyFinishedException(UUID treatmentId) {
		super("Treatment " + treatmentId + " is already finished");
	}

}
