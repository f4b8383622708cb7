package dev.pgoutbox.sample.clinic;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * Request body to assign a medicine to a patient.
 *
 * @param medicine the medicine, for example {@code ibuprofen}
 * @param dosage how much and how often, for example {@code 400 mg every 8 hours}
 */
public record AssignMedicineRequest(@NotBlank @Size(max = 100) String medicine,
		@NotBlank @Size(max = 100) String dosage) {
}
