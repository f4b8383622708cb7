package dev.pgoutbox.sample.inbox;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonRawValue;

/**
 * A received event as the API shows it.
 *
 * @param messageId the outbox message id, from the {@code message-id} header
 * @param type the event type, from the {@code message-type} header
 * @param payload the event as sent, JSON
 * @param topic the Kafka topic it came from
 * @param partition the partition it came from
 * @param offset its offset in that partition
 * @param committedAt when the writing transaction committed (the record's timestamp)
 * @param receivedAt when the listener received it
 */
public record ReceivedEventResponse(UUID messageId, String type, @JsonRawValue String payload, String topic,
		int partition, long offset, Instant committedAt, Instant receivedAt) {

	static ReceivedEventResponse of(ReceivedEvent event) {
		return new ReceivedEventResponse(event.getMessageId(), event.getType(), event.getPayload(), event.getTopic(),
				event.getPartition(), event.getOffset(), event.getCommittedAt(), event.getReceivedAt());
	}

}
