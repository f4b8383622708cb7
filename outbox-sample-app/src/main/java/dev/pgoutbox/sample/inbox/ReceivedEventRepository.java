package dev.pgoutbox.sample.inbox;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.transaction.annotation.Transactional;

/**
 * Stores received events; a message id already stored is ignored, which makes the
 * listener idempotent under redelivery.
 */
interface ReceivedEventRepository extends JpaRepository<ReceivedEvent, UUID> {

	/**
	 * Stores an event unless its message id is stored already.
	 * @return {@code 1} if stored, {@code 0} if it was a duplicate
	 */
	@Transactional
	@Modifying
	@Query(nativeQuery = true, value = """
			INSERT INTO received_event
			    (message_id, patient_id, type, payload, topic, kafka_partition, kafka_offset, committed_at, received_at)
			VALUES (:messageId, :patientId, :type, :payload, :topic, :partition, :offset, :committedAt, :receivedAt)
			ON CONFLICT (message_id) DO NOTHING
			""")
	int insertIfAbsent(UUID messageId, String patientId, String type, String payload, String topic, int partition,
			long offset, Instant committedAt, Instant receivedAt);

	List<ReceivedEvent> findByPatientIdOrderBySeqAsc(String patientId);

}
