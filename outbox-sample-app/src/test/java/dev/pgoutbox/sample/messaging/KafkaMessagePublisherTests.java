package dev.pgoutbox.sample.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;

import dev.pgoutbox.Lsn;
import dev.pgoutbox.OutboxMessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

class KafkaMessagePublisherTests {

	private static final OutboxMessage MESSAGE = new OutboxMessage(UUID.randomUUID(), "MedicineAssigned", "patient-7",
			"{\"medicine\":\"ibuprofen\"}", Map.of("event-version", "1"), Instant.parse("2026-01-02T03:04:05.678Z"),
			Lsn.valueOf(42));

	@SuppressWarnings("unchecked")
	private final KafkaTemplate<String, String> kafka = mock(KafkaTemplate.class);

	private final KafkaMessagePublisher publisher = new KafkaMessagePublisher(this.kafka, new SampleKafkaProperties(
			Map.of("MedicineFinished", "clinic.treatments"), "clinic.", 3, Duration.ofMillis(200)));

	@Test
	@SuppressWarnings("unchecked")
	void sendsKeyedRecordWithOutboxHeadersMessageIdAndCommitTime() throws Exception {
		given(this.kafka.send(any(ProducerRecord.class))).willReturn(CompletableFuture.completedFuture(null));

		this.publisher.publish(MESSAGE);

		ArgumentCaptor<ProducerRecord<String, String>> sent = ArgumentCaptor.forClass(ProducerRecord.class);
		verify(this.kafka).send(sent.capture());
		ProducerRecord<String, String> record = sent.getValue();
		assertThat(record.topic()).isEqualTo("clinic.MedicineAssigned");
		assertThat(record.key()).isEqualTo("patient-7");
		assertThat(record.value()).isEqualTo(MESSAGE.payload());
		assertThat(record.timestamp()).isEqualTo(MESSAGE.committedAt().toEpochMilli());
		assertThat(header(record, "event-version")).isEqualTo("1");
		assertThat(header(record, OutboxHeaders.MESSAGE_ID)).isEqualTo(MESSAGE.id().toString());
		assertThat(header(record, OutboxHeaders.MESSAGE_TYPE)).isEqualTo("MedicineAssigned");
	}

	@Test
	@SuppressWarnings("unchecked")
	void sendsToConfiguredTopicOfType() throws Exception {
		given(this.kafka.send(any(ProducerRecord.class))).willReturn(CompletableFuture.completedFuture(null));
		OutboxMessage finished = new OutboxMessage(UUID.randomUUID(), "MedicineFinished", "patient-7", "{}", Map.of(),
				Instant.now(), Lsn.valueOf(43));

		this.publisher.publish(finished);

		ArgumentCaptor<ProducerRecord<String, String>> sent = ArgumentCaptor.forClass(ProducerRecord.class);
		verify(this.kafka).send(sent.capture());
		assertThat(sent.getValue().topic()).isEqualTo("clinic.treatments");
	}

	@Test
	@SuppressWarnings("unchecked")
	void throwsWhatTheBrokerAnswered() {
		given(this.kafka.send(any(ProducerRecord.class)))
			.willReturn(CompletableFuture.failedFuture(new RecordTooLargeException("too large")));

		assertThatExceptionOfType(RecordTooLargeException.class).isThrownBy(() -> this.publisher.publish(MESSAGE));
	}

	@Test
	@SuppressWarnings("unchecked")
	void throwsWhenTheBrokerDoesNotAnswerInTime() {
		given(this.kafka.send(any(ProducerRecord.class)))
			.willReturn(new CompletableFuture<SendResult<String, String>>());

		assertThatExceptionOfType(TimeoutException.class).isThrownBy(() -> this.publisher.publish(MESSAGE))
			.withMessageContaining(MESSAGE.id().toString())
			.withMessageContaining("clinic.MedicineAssigned");
	}

	private static String header(ProducerRecord<String, String> record, String name) {
		return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
	}

}
