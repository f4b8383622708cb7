package dev.pgoutbox.sample.clinic;

/**
 * Where a treatment stands.
 */
public enum TreatmentStatus {

	/** The patient takes the medicine. */
	ACTIVE,

	/** The treatment is over. */
	FINISHED

}
