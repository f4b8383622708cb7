package dev.pgoutbox.sample.clinic;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.pgoutbox.OutboxPublisher;

/**
 * Assigns and finishes treatments; each change and its event are written in one
 * transaction, keyed by the patient so that one patient's events are relayed in order.
 */
@Service
public class TreatmentService {

	/** Lets consumers tell versions of an event's payload apart. */
	static final Map<String, String> EVENT_HEADERS = Map.of("event-version", "1");

	private final TreatmentRepository treatments;

	private final OutboxPublisher outbox;

	private final Clock clock;

	TreatmentService(TreatmentRepository treatments, OutboxPublisher outbox, Clock clock) {
		this.treatments = treatments;
		this.outbox = outbox;
		this.clock = clock;
	}

	/**
	 * Assigns a medicine to a patient and publishes {@link MedicineAssigned}.
	 * @param patientId the patient
	 * @param medicine the medicine
	 * @param dosage how much and how often
	 * @return the new treatment
	 */
	@Transactional
	public Treatment assign(String patientId, String medicine, String dosage) {
		Treatment treatment = this.treatments.save(Treatment.assign(patientId, medicine, dosage, this.clock.instant()));
		this.outbox.publish(MedicineAssigned.TYPE, patientId, MedicineAssigned.of(treatment), EVENT_HEADERS);
		return treatment;
	}

	/**
	 * Finishes a patient's treatment and publishes {@link MedicineFinished}.
	 * @param patientId the patient
	 * @param treatmentId the treatment
	 * @return the finished treatment
	 * @throws TreatmentNotFoundException if the patient has no such treatment
	 * @throws TreatmentAlreadyFinishedException if the treatment is already finished
	 */
	@Transactional
	public Treatment finish(String patientId, UUID treatmentId) {
		Treatment treatment = find(patientId, treatmentId);
		treatment.finish(this.clock.instant());
		this.outbox.publish(MedicineFinished.TYPE, patientId, MedicineFinished.of(treatment), EVENT_HEADERS);
		return treatment;
	}

	/**
	 * Returns one of a patient's treatments.
	 * @param patientId the patient
	 * @param treatmentId the treatment
	 * @return the treatment
	 * @throws TreatmentNotFoundException if the patient has no such treatment
	 */
	@Transactional(readOnly = true)
	public Treatment find(String patientId, UUID treatmentId) {
		return this.treatments.findByIdAndPatientId(treatmentId, patientId)
			.orElseThrow(() -> new TreatmentNotFoundException(patientId, treatmentId));
	}

	/**
	 * Returns a patient's treatments, oldest first.
	 * @param patientId the patient
	 * @return the treatments, possibly none
	 */
	@Transactional(readOnly = true)
	public List<Treatment> treatmentsOf(String patientId) {
		return this.treatments.findByPatientIdOrderByAssignedAtAsc(patientId);
	}

}
