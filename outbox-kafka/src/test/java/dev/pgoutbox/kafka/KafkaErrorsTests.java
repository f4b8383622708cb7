package dev.pgoutbox.kafka;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;

import org.springframework.kafka.core.KafkaProducerException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The classification of send failures documented in {@code docs/kafka.md}.
 */
class KafkaErrorsTests {

	@Test
	void failuresOfTheRecordItselfAreUndeliverable() {
		for (Throwable failure : new Throwable[] { new RecordTooLargeException("too large"),
				new RecordBatchTooLargeException("too large"), new InvalidTopicException("bad topic"),
				new InvalidRecordException("refused"), new InvalidTimestampException("too old"),
				new SerializationException("cannot serialize"), new TopicAuthorizationException("no ACL") }) {
			assertThat(KafkaErrors.undeliverableCause(failure)).as("%s", failure).isSameAs(failure);
			assertThat(KafkaErrors.undeliverableCause(wrapped(failure))).as("wrapped %s", failure).isSameAs(failure);
		}
	}

	@Test
	void passingFailuresAndThoseOfTheProducerAsAWholeAreRetried() {
		for (Throwable failure : new Throwable[] { new TimeoutException("expired"), new NetworkException("gone"),
				new NotEnoughReplicasException("isr"), new NotEnoughReplicasAfterAppendException("isr"),
				new NotLeaderOrFollowerException("moved"), new UnknownTopicOrPartitionException("not yet"),
				new UnknownServerException("broker bug"), new ClusterAuthorizationException("no idempotent write"),
				new AuthenticationException("bad login"), new java.util.concurrent.TimeoutException("no ack"),
				new IllegalStateException("producer closed") }) {
			assertThat(KafkaErrors.undeliverableCause(failure)).as("%s", failure).isNull();
			assertThat(KafkaErrors.undeliverableCause(wrapped(failure))).as("wrapped %s", failure).isNull();
		}
	}

	@Test
	void unwrapsFuturesAndSpringKafkaToTheClientsError() {
		NetworkException network = new NetworkException("gone");
		assertThat(KafkaErrors.unwrap(wrapped(network))).isSameAs(network);
		assertThat(KafkaErrors.unwrap(new CompletionException(network))).isSameAs(network);
		assertThat(KafkaErrors.unwrap(network)).isSameAs(network);
	}

	private static Throwable wrapped(Throwable failure) {
		return new ExecutionException(
				new KafkaProducerException(new ProducerRecord<>("topic", "value"), "Failed to send", failure));
	}

}
