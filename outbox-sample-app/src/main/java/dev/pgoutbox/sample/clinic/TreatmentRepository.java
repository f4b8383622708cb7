package dev.pgoutbox.sample.clinic;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.data.jpa.repository.JpaRepository;

/**
 * Stores treatments.
 */
interface TreatmentRepository extends JpaRepository<Treatment, UUID> {

	Optional<Treatment> findByIdAndPatientId(UUID id, String patientId);

	List<Treatment> findByPatientIdOrderByAssignedAtAsc(String patientId);

}
