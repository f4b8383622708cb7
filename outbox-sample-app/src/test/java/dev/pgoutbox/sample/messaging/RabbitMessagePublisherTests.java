package dev.pgoutbox.sample.messaging;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.ReturnedMessage;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

import dev.pgoutbox.Lsn;
import dev.pgoutbox.OutboxMessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.BDDMockito.willAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

class RabbitMessagePublisherTests {

	private static final OutboxMessage MESSAGE = new OutboxMessage(UUID.randomUUID(), "MedicineFinished", "patient-7",
			"{\"medicine\":\"ibuprofen\"}", Map.of("event-version", "1"), Instant.parse("2026-01-02T03:04:05Z"),
			Lsn.valueOf(42));

	private final RabbitTemplate rabbit = mock(RabbitTemplate.class);

	private final RabbitMessagePublisher publisher = new RabbitMessagePublisher(this.rabbit, "clinic",
			Duration.ofMillis(200));

	@Test
	void sendsToExchangeWithTypeAsRoutingKeyAndReturnsOnAck() {
		brokerAnswers(true, null);

		assertThatNoException().isThrownBy(() -> this.publisher.publish(MESSAGE));

		ArgumentCaptor<Message> sent = ArgumentCaptor.forClass(Message.class);
		verify(this.rabbit).send(eq("clinic"), eq("MedicineFinished"), sent.capture(), any(CorrelationData.class));
		Message message = sent.getValue();
		assertThat(new String(message.getBody(), StandardCharsets.UTF_8)).isEqualTo(MESSAGE.payload());
		assertThat(message.getMessageProperties().getMessageId()).isEqualTo(MESSAGE.id().toString());
		assertThat(message.getMessageProperties().getType()).isEqualTo("MedicineFinished");
		assertThat(message.getMessageProperties().getContentType()).isEqualTo("application/json");
		assertThat(message.getMessageProperties().getTimestamp().toInstant()).isEqualTo(MESSAGE.committedAt());
		assertThat(message.getMessageProperties().<String>getHeader("event-version")).isEqualTo("1");
		assertThat(message.getMessageProperties().<String>getHeader("message-key")).isEqualTo("patient-7");
	}

	@Test
	void throwsOnNack() {
		brokerAnswers(false, null);

		assertThatExceptionOfType(AmqpException.class).isThrownBy(() -> this.publisher.publish(MESSAGE))
			.withMessageContaining("did not take");
	}

	@Test
	void throwsWhenTheMessageCouldNotBeRouted() {
		brokerAnswers(true, "NO_ROUTE");

		assertThatExceptionOfType(AmqpException.class).isThrownBy(() -> this.publisher.publish(MESSAGE))
			.withMessageContaining("could not route")
			.withMessageContaining("NO_ROUTE");
	}

	@Test
	void throwsWhenNoConfirmComesInTime() {
		assertThatExceptionOfType(TimeoutException.class).isThrownBy(() -> this.publisher.publish(MESSAGE));
	}

	private void brokerAnswers(boolean ack, String returnedReplyText) {
		willAnswer((invocation) -> {
			CorrelationData correlation = invocation.getArgument(3);
			if (returnedReplyText != null) {
				correlation.setReturned(new ReturnedMessage(invocation.getArgument(2), 312, returnedReplyText,
						invocation.getArgument(0), invocation.getArgument(1)));
			}
			correlation.getFuture().complete(new CorrelationData.Confirm(ack, ack ? null : "nack"));
			return null;
		}).given(this.rabbit)
			.send(any(String.class), any(String.class), any(Message.class), any(CorrelationData.class));
	}

}
