package dev.pgoutbox.sample.clinic;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/**
 * A medicine given to a patient, from its assignment until the treatment is finished.
 */
@Entity
@Table(name = "treatment")
public class Treatment {

	@Id
	private UUID id;

	// guards against two concurrent finishes both succeeding (and both publishing an
	// event)
	@Version
	private Long version;

	@Column(name = "patient_id", nullable = false, updatable = false)
	private String patientId;

	@Column(nullable = false, updatable = false)
	private String medicine;

	@Column(nullable = false, updatable = false)
	private String dosage;

	@Enumerated(EnumType.STRING)
	@Column(nullable = false)
	private TreatmentStatus status;

	@Column(name = "assigned_at", nullable = false, updatable = false)
	private Instant assignedAt;

	@Column(name = "finished_at")
	private Instant finishedAt;

	protected Treatment() {
		// for JPA
	}

	private Treatment(UUID id, String patientId, String medicine, String dosage, Instant assignedAt) {
		this.id = id;
		this.patientId = patientId;
		this.medicine = medicine;
		this.dosage = dosage;
		this.status = TreatmentStatus.ACTIVE;
		this.assignedAt = assignedAt;
	}

	static Treatment assign(String patientId, String medicine, String dosage, Instant now) {
		return new Treatment(UUID.randomUUID(), patientId, medicine, dosage, stored(now));
	}

	void finish(Instant now) {
		if (this.status == TreatmentStatus.FINISHED) {
			throw new TreatmentAlreadyFinishedException(this.id);
		}
		this.status = TreatmentStatus.FINISHED;
		this.finishedAt = stored(now);
	}

	// PostgreSQL keeps microseconds: the event and the response show the time as it is
	// stored
	private static Instant stored(Instant instant) {
		return instant.truncatedTo(ChronoUnit.MICROS);
	}

	public UUID getId() {
		return this.id;
	}

	public String getPatientId() {
		return this.patientId;
	}

	public String getMedicine() {
		return this.medicine;
	}

	public String getDosage() {
		return this.dosage;
	}

	public TreatmentStatus getStatus() {
		return this.status;
	}

	public Instant getAssignedAt() {
		return this.assignedAt;
	}

	public Instant getFinishedAt() {
		return this.finishedAt;
	}

}
