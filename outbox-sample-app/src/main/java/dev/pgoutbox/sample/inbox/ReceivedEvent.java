package dev.pgoutbox.sample.inbox;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * An event as the listener received it from Kafka; recorded once per message id.
 */
@Entity
@Table(name = "received_event")
public class ReceivedEvent {

	@Id
	@Column(name = "message_id")
	private UUID messageId;

	// arrival order, assigned by the database
	@Column(name = "seq", insertable = false, updatable = false)
	private long seq;

	@Column(name = "patient_id")
	private String patientId;

	private String type;

	private String payload;

	private String topic;

	@Column(name = "kafka_partition")
	private int partition;

	@Column(name = "kafka_offset")
	private long offset;

	@Column(name = "committed_at")
	private Instant committedAt;

	@Column(name = "received_at")
	private Instant receivedAt;

	protected ReceivedEvent() {
		// for JPA
	}

	public UUID getMessageId() {
		return this.messageId;
	}

	public long getSeq() {
		return this.seq;
	}

	public String getPatientId() {
		return this.patientId;
	}

	public String getType() {
		return this.type;
	}

	public String getPayload() {
		return this.payload;
	}

	public String getTopic() {
		return this.topic;
	}

	public int getPartition() {
		return this.partition;
	}

	public long getOffset() {
		return this.offset;
	}

	public Instant getCommittedAt() {
		return this.committedAt;
	}

	public Instant getReceivedAt() {
		return this.receivedAt;
	}

}
