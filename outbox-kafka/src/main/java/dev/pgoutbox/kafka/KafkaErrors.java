package dev.pgoutbox.kafka;

import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;

/**
 * Which failures of a send no retry can fix. Those are about the record itself: its size,
 * its topic, its timestamp, its content. Everything else, a passing condition or one of
 * the producer as a whole (the broker away, too few in-sync replicas, timeouts, a
 * producer that may not write at all, an unknown server error), is worth retrying: the
 * outbox retries it with backoff while the key's later messages wait, and parks it only
 * after {@code outbox.delivery.retry.max-attempts}.
 */
final class KafkaErrors {

	/** Failures that no retry of the same record can fix, found anywhere in the chain. */
	private static final List<Class<? extends Throwable>> UNDELIVERABLE = List.of(RecordTooLargeException.class,
			RecordBatchTooLargeException.class, InvalidTopicException.class, InvalidRecordException.class,
			InvalidTimestampException.class, SerializationException.class, TopicAuthorizationException.class);

	private static final int MAX_DEPTH = 32;

	private KafkaErrors() {
	}

	/**
	 * Returns the first undeliverable failure in the cause chain, or {@code null} if
	 * there is none and a retry may succeed.
	 */
	static Throwable undeliverableCause(Throwable failure) {
		int depth = 0;
		for (Throwable cause = failure; cause != null && depth < MAX_DEPTH; cause = cause.getCause(), depth++) {
			for (Class<? extends Throwable> type : UNDELIVERABLE) {
				if (type.isInstance(cause)) {
					return cause;
				}
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return null;
	}

	/**
	 * Returns the failure without the wrappers of futures and of Spring Kafka, so that
	 * the outbox records the broker client's own error.
	 */
	static Throwable unwrap(Throwable failure) {
		Throwable current = failure;
		int depth = 0;
		while (current.getCause() != null && current.getCause() != current && depth++ < MAX_DEPTH
				&& (current instanceof ExecutionException || current instanceof CompletionException
						|| current instanceof org.springframework.kafka.KafkaException)) {
			current = current.getCause();
		}
		return current;
	}

}
