package dev.pgoutbox.deadletter;

import java.io.IOException;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FailureTextTests {

	private static final String PAYLOAD = "{\"card\":\"4111 1111 1111 1111\"}";

	@Test
	void namesTheClassAndTheMessage() {
		assertThat(FailureText.describe(new IllegalStateException("broker down"), PAYLOAD))
			.isEqualTo("java.lang.IllegalStateException: broker down");
	}

	@Test
	void namesOnlyTheClassWhenThereIsNoMessage() {
		assertThat(FailureText.describe(new RuntimeException(), PAYLOAD)).isEqualTo("java.lang.RuntimeException");
		assertThat(FailureText.describe(new OutOfMemoryError(), PAYLOAD)).isEqualTo("java.lang.OutOfMemoryError");
	}

	@Test
	void addsTheRootCauseOfAWrappedFailure() {
		Exception wrapped = new ExecutionException("send failed",
				new IllegalStateException("io", new IOException("connection reset")));
		assertThat(FailureText.describe(wrapped, PAYLOAD)).isEqualTo(
				"java.util.concurrent.ExecutionException: send failed; root cause java.io.IOException: connection reset");
	}

	@Test
	void neverContainsThePayloadEvenWhenTheBrokerEchoesIt() {
		Exception echoing = new IllegalArgumentException("record " + PAYLOAD + " is too large",
				new IllegalStateException("rejected " + PAYLOAD));
		String text = FailureText.describe(echoing, PAYLOAD);
		assertThat(text).doesNotContain(PAYLOAD).doesNotContain("4111");
		assertThat(text).isEqualTo("java.lang.IllegalArgumentException: record [payload] is too large; "
				+ "root cause java.lang.IllegalStateException: rejected [payload]");
	}

	@Test
	void isCutToABoundedLength() {
		String text = FailureText.describe(new IllegalStateException("x".repeat(100_000)), PAYLOAD);
		assertThat(text).hasSize(FailureText.MAX_LENGTH).endsWith("...");
	}

	@Test
	void cuttingHappensAfterTheRedactionSoNoPartOfThePayloadRemains() {
		String payload = "{\"secret\":\"" + "s".repeat(3_000) + "\"}";
		String text = FailureText.describe(new IllegalStateException("rejected " + payload), payload);
		assertThat(text).isEqualTo("java.lang.IllegalStateException: rejected [payload]");
	}

	@Test
	void survivesACauseCycle() {
		IllegalStateException first = new IllegalStateException("first");
		IllegalStateException second = new IllegalStateException("second", first);
		first.initCause(second);
		assertThat(FailureText.describe(first, PAYLOAD)).startsWith("java.lang.IllegalStateException: first");
	}

	@Test
	void describesNothingAsNull() {
		assertThat(FailureText.describe(null, PAYLOAD)).isNull();
	}

}
