package dev.pgoutbox.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.pgoutbox.DeliveryListener;
import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

class DispatcherTests {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private static final Backoff FAST = new Backoff(Duration.ofMillis(10), 2.0, Duration.ofMillis(40), 0.0);

	private final List<Dispatcher> dispatchers = new ArrayList<>();

	private final LabelledEnvelopes envelopes = new LabelledEnvelopes();

	private final Recorder recorder = new Recorder();

	@AfterEach
	void closeDispatchers() {
		this.dispatchers.forEach(Dispatcher::close);
	}

	private Dispatcher dispatcher(MessagePublisher publisher, int concurrency, int capacity) {
		Dispatcher dispatcher = new Dispatcher(publisher, concurrency, capacity, FAST, this.recorder,
				"dispatcher-test-");
		this.dispatchers.add(dispatcher);
		return dispatcher;
	}

	private Envelope envelope(String label, String key) {
		return this.envelopes.envelope(label, key);
	}

	private String label(OutboxMessage message) {
		return this.envelopes.label(message);
	}

	private static void awaitLatch(CountDownLatch latch, String what) throws InterruptedException {
		assertThat(latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as(what).isTrue();
	}

	@Test
	void keepsEachKeysOrderAndNeverRunsOneKeyTwiceAtOnce() throws Exception {
		// two keys on four threads: idle threads would pick up a key's next message if
		// the
		// dispatcher let them
		Map<String, AtomicInteger> active = Map.of("a", new AtomicInteger(), "b", new AtomicInteger());
		AtomicInteger maxActivePerKey = new AtomicInteger();
		Map<String, List<String>> seen = Map.of("a", Collections.synchronizedList(new ArrayList<>()), "b",
				Collections.synchronizedList(new ArrayList<>()));
		Dispatcher dispatcher = dispatcher((message) -> {
			AtomicInteger keyActive = active.get(message.key());
			maxActivePerKey.accumulateAndGet(keyActive.incrementAndGet(), Math::max);
			try {
				for (int i = 0; i < 50; i++) {
					Thread.yield();
				}
				seen.get(message.key()).add(label(message));
			}
			finally {
				keyActive.decrementAndGet();
			}
		}, 4, 1_000);
		List<String> expectedA = new ArrayList<>();
		List<String> expectedB = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			LabelledEnvelopes.offer(dispatcher, envelope("a" + i, "a"));
			expectedA.add("a" + i);
			LabelledEnvelopes.offer(dispatcher, envelope("b" + i, "b"));
			expectedB.add("b" + i);
		}
		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();
		assertThat(seen.get("a")).containsExactlyElementsOf(expectedA);
		assertThat(seen.get("b")).containsExactlyElementsOf(expectedB);
		assertThat(maxActivePerKey.get()).as("concurrent calls for one key").isEqualTo(1);
	}

	@Test
	void runsDifferentKeysInParallel() throws Exception {
		CountDownLatch allStarted = new CountDownLatch(4);
		AtomicInteger overlapped = new AtomicInteger();
		Set<String> threads = ConcurrentHashMap.newKeySet();
		Dispatcher dispatcher = dispatcher((message) -> {
			threads.add(Thread.currentThread().getName());
			allStarted.countDown();
			// returns true only if the other keys' calls are under way at the same time
			if (allStarted.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
				overlapped.incrementAndGet();
			}
		}, 4, 100);
		for (String key : List.of("a", "b", "c", "d")) {
			LabelledEnvelopes.offer(dispatcher, envelope(key, key));
		}
		assertThat(dispatcher.awaitDrained(WAIT.multipliedBy(2))).isTrue();
		assertThat(overlapped.get()).as("calls that overlapped all the others").isEqualTo(4);
		assertThat(threads).hasSize(4).allSatisfy((name) -> assertThat(name).startsWith("dispatcher-test-delivery-"));
	}

	@Test
	void runsNoMoreCallsAtOnceThanTheConcurrency() throws Exception {
		AtomicInteger active = new AtomicInteger();
		AtomicInteger maxActive = new AtomicInteger();
		AtomicInteger maxInFlight = new AtomicInteger();
		Dispatcher[] holder = new Dispatcher[1];
		Dispatcher dispatcher = dispatcher((message) -> {
			maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
			try {
				maxInFlight.accumulateAndGet(holder[0].inFlight(), Math::max);
				for (int i = 0; i < 50; i++) {
					Thread.yield();
				}
			}
			finally {
				active.decrementAndGet();
			}
		}, 2, 1_000);
		holder[0] = dispatcher;
		for (int i = 0; i < 50; i++) {
			for (String key : List.of("a", "b", "c", "d", "e")) {
				LabelledEnvelopes.offer(dispatcher, envelope(key + i, key));
			}
		}
		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();
		assertThat(maxActive.get()).isBetween(1, 2);
		assertThat(maxInFlight.get()).isBetween(1, 2);
		assertThat(this.recorder.delivered).hasSize(250);
	}

	@Test
	void retriesAFailingMessageWithBackoffWhileLaterMessagesOfItsKeyWaitAndOtherKeysFlow() throws Exception {
		List<String> calls = Collections.synchronizedList(new ArrayList<>());
		List<Long> a1Attempts = Collections.synchronizedList(new ArrayList<>());
		CountDownLatch firstFailure = new CountDownLatch(1);
		CountDownLatch otherKeyDelivered = new CountDownLatch(5);
		// one thread only: retrying must not hold it, or the other key could not flow
		Dispatcher dispatcher = dispatcher((message) -> {
			String label = label(message);
			calls.add(label);
			if (label.equals("a1")) {
				a1Attempts.add(System.nanoTime());
				if (a1Attempts.size() < 3 || otherKeyDelivered.getCount() > 0) {
					firstFailure.countDown();
					throw new IllegalStateException("broker refused attempt " + a1Attempts.size());
				}
			}
			if (message.key().equals("b")) {
				otherKeyDelivered.countDown();
			}
		}, 1, 100);
		LabelledEnvelopes.offer(dispatcher, envelope("a1", "a"));
		LabelledEnvelopes.offer(dispatcher, envelope("a2", "a"));
		awaitLatch(firstFailure, "a1 failed once");
		for (int i = 1; i <= 5; i++) {
			LabelledEnvelopes.offer(dispatcher, envelope("b" + i, "b"));
		}
		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();

		List<String> aCalls = calls.stream().filter((label) -> label.startsWith("a")).toList();
		int attempts = a1Attempts.size();
		assertThat(attempts).isGreaterThanOrEqualTo(3);
		assertThat(aCalls).hasSize(attempts + 1);
		assertThat(aCalls.subList(0, attempts)).containsOnly("a1");
		assertThat(aCalls.get(attempts)).as("a2 only after a1 went through").isEqualTo("a2");
		assertThat(calls.stream().filter((label) -> label.startsWith("b")).toList()).containsExactly("b1", "b2", "b3",
				"b4", "b5");
		assertThat(calls.lastIndexOf("b5")).as("b flowed while a1 was failing").isLessThan(calls.lastIndexOf("a1"));

		List<Failure> failures = this.recorder.failures();
		assertThat(failures).hasSize(attempts - 1);
		for (int i = 0; i < failures.size(); i++) {
			Failure failure = failures.get(i);
			int attempt = i + 1;
			assertThat(label(failure.message())).isEqualTo("a1");
			assertThat(failure.attempt()).isEqualTo(attempt);
			assertThat(failure.error()).isInstanceOf(IllegalStateException.class)
				.hasMessage("broker refused attempt " + attempt);
			assertThat(failure.retryIn()).isEqualTo(FAST.delay(attempt));
			long waited = a1Attempts.get(attempt) - a1Attempts.get(attempt - 1);
			assertThat(Duration.ofNanos(waited)).as("wait before retry %d", attempt)
				.isGreaterThanOrEqualTo(FAST.delay(attempt));
		}
		assertThat(this.recorder.deliveredLabels(this)).containsExactlyInAnyOrder("a1", "a2", "b1", "b2", "b3", "b4",
				"b5");
	}

	@Test
	void countsAttemptsPerMessageAndStartsAgainAfterASuccess() throws Exception {
		Set<String> failedOnce = ConcurrentHashMap.newKeySet();
		Dispatcher dispatcher = dispatcher((message) -> {
			String label = label(message);
			if (failedOnce.add(label) || (label.equals("a1") && failedOnce.add("a1 again"))) {
				throw new IllegalStateException("refused " + label);
			}
		}, 1, 100);
		LabelledEnvelopes.offer(dispatcher, envelope("a1", "a"));
		LabelledEnvelopes.offer(dispatcher, envelope("a2", "a"));
		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();
		assertThat(this.recorder.failures()).extracting((failure) -> label(failure.message()) + "#" + failure.attempt())
			.containsExactly("a1#1", "a1#2", "a2#1");
	}

	@Test
	void treatsAnErrorOrAnExceptionWithoutMessageLikeAnyFailure() throws Exception {
		Error error = new Error("publisher bug");
		RuntimeException noMessage = new RuntimeException();
		Exception checked = new Exception((String) null);
		Map<String, Throwable> firstAttempt = Map.of("a1", error, "b1", noMessage, "c1", checked);
		Set<String> attempted = ConcurrentHashMap.newKeySet();
		// one thread: it must survive every kind of throwable
		Dispatcher dispatcher = dispatcher((message) -> {
			String label = label(message);
			if (attempted.add(label) && firstAttempt.containsKey(label)) {
				Throwable thrown = firstAttempt.get(label);
				if (thrown instanceof Error err) {
					throw err;
				}
				throw (Exception) thrown;
			}
		}, 1, 100);
		LabelledEnvelopes.offer(dispatcher, envelope("a1", "a"));
		LabelledEnvelopes.offer(dispatcher, envelope("b1", "b"));
		LabelledEnvelopes.offer(dispatcher, envelope("c1", "c"));
		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();
		LabelledEnvelopes.offer(dispatcher, envelope("d1", "d"));
		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();

		assertThat(this.recorder.failures()).hasSize(3).allSatisfy((failure) -> {
			assertThat(failure.attempt()).isEqualTo(1);
			assertThat(failure.error()).isSameAs(firstAttempt.get(label(failure.message())));
			assertThat(failure.retryIn()).isEqualTo(FAST.delay(1));
		});
		assertThat(this.recorder.deliveredLabels(this)).containsExactlyInAnyOrder("a1", "b1", "c1", "d1");
	}

	@Test
	void offerGivesUpWhenTheBufferStaysFullAndWaitsForRoomOtherwise() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch bothStarted = new CountDownLatch(2);
		Dispatcher dispatcher = dispatcher((message) -> {
			bothStarted.countDown();
			release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
		}, 2, 2);
		LabelledEnvelopes.offer(dispatcher, envelope("a1", "a"));
		LabelledEnvelopes.offer(dispatcher, envelope("b1", "b"));
		awaitLatch(bothStarted, "both calls under way");
		assertThat(dispatcher.held()).isEqualTo(2);
		assertThat(dispatcher.inFlight()).isEqualTo(2);

		long start = System.nanoTime();
		assertThat(dispatcher.offer(envelope("c1", "c"), Duration.ofMillis(100))).isFalse();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
		assertThat(dispatcher.held()).isEqualTo(2);

		Envelope waiting = envelope("c2", "c");
		CompletableFuture<Boolean> offered = new CompletableFuture<>();
		Thread offerer = new Thread(() -> {
			try {
				offered.complete(dispatcher.offer(waiting, WAIT));
			}
			catch (Throwable ex) {
				offered.completeExceptionally(ex);
			}
		});
		offerer.start();
		release.countDown();
		assertThat(offered.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();
		assertThat(this.recorder.deliveredLabels(this)).containsExactlyInAnyOrder("a1", "b1", "c2");
	}

	@Test
	void awaitDrainedIsFalseWhileMessagesAreHeldAndTrueOnceAllAreDelivered() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger published = new AtomicInteger();
		Dispatcher dispatcher = dispatcher((message) -> {
			if (message.key().equals("slow")) {
				release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
			}
			published.incrementAndGet();
		}, 4, 1_000);
		assertThat(dispatcher.awaitDrained(Duration.ZERO)).as("nothing offered yet").isTrue();
		LabelledEnvelopes.offer(dispatcher, envelope("slow", "slow"));
		for (int i = 0; i < 100; i++) {
			LabelledEnvelopes.offer(dispatcher, envelope("k" + i, "k" + (i % 10)));
		}
		assertThat(dispatcher.awaitDrained(Duration.ofMillis(50))).isFalse();
		assertThat(dispatcher.held()).isPositive();
		release.countDown();
		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();
		assertThat(published.get()).isEqualTo(101);
		assertThat(dispatcher.held()).isZero();
		assertThat(dispatcher.inFlight()).isZero();
		assertThat(this.recorder.delivered).hasSize(101);
	}

	@Test
	void completesEachMessageOnceDeliveredAndAFailingOneOnlyOnceItGoesThrough() throws Exception {
		AtomicBoolean brokerBack = new AtomicBoolean();
		CountDownLatch failedOnce = new CountDownLatch(1);
		Dispatcher dispatcher = dispatcher((message) -> {
			if (label(message).equals("b1") && !brokerBack.get()) {
				failedOnce.countDown();
				throw new IllegalStateException("broker down");
			}
		}, 4, 100);
		for (String label : List.of("a1", "b1", "c1", "d1", "a2")) {
			LabelledEnvelopes.offer(dispatcher, envelope(label, label.substring(0, 1)));
		}

		awaitLatch(failedOnce, "b1 failed");
		// the publisher returns before the dispatcher completes the message
		await().atMost(WAIT).until(() -> this.envelopes.done().size() == 4);
		assertThat(this.envelopes.done()).as("a failed message is not done")
			.containsExactlyInAnyOrder("a1", "c1", "d1", "a2");

		brokerBack.set(true);
		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();
		assertThat(this.envelopes.done()).containsExactlyInAnyOrder("a1", "b1", "c1", "d1", "a2");
	}

	@Test
	void reportsEachDeliveryToTheListenerOnce() throws Exception {
		Dispatcher dispatcher = dispatcher((message) -> {
		}, 2, 100);
		List<Envelope> offered = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			Envelope envelope = envelope("m" + i, "k" + (i % 3));
			offered.add(envelope);
			LabelledEnvelopes.offer(dispatcher, envelope);
		}
		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();
		assertThat(this.recorder.delivered).extracting(Delivery::message)
			.containsExactlyInAnyOrderElementsOf(offered.stream().map(Envelope::message).toList());
		assertThat(this.recorder.delivered)
			.allSatisfy((delivery) -> assertThat(delivery.took()).isGreaterThanOrEqualTo(Duration.ZERO));
		assertThat(this.recorder.failures()).isEmpty();
	}

	@Test
	void closeInterruptsCallsUnderWayAndLeavesTheirMessagesUnacknowledged() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		AtomicBoolean interrupted = new AtomicBoolean();
		Dispatcher dispatcher = dispatcher((message) -> {
			started.countDown();
			try {
				new CountDownLatch(1).await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
				throw ex;
			}
		}, 1, 10);
		LabelledEnvelopes.offer(dispatcher, envelope("a1", "a"));
		awaitLatch(started, "call under way");

		long start = System.nanoTime();
		dispatcher.close();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(WAIT);
		assertThat(interrupted).isTrue();
		assertThat(this.envelopes.done()).isEmpty();
		assertThat(this.recorder.delivered).isEmpty();
		assertThatIllegalStateException().isThrownBy(() -> dispatcher.offer(envelope("a2", "a"), WAIT));
	}

	@Test
	void rejectsInvalidArgumentsNamingThem() {
		MessagePublisher publisher = (message) -> {
		};
		assertThatIllegalArgumentException().isThrownBy(() -> new Dispatcher(null, 1, 1, FAST, null, "x-"))
			.withMessageContaining("'publisher'");
		assertThatIllegalArgumentException().isThrownBy(() -> new Dispatcher(publisher, 0, 1, FAST, null, "x-"))
			.withMessageContaining("'concurrency'");
		assertThatIllegalArgumentException().isThrownBy(() -> new Dispatcher(publisher, 1, 0, FAST, null, "x-"))
			.withMessageContaining("'capacity'");
	}

	record Delivery(OutboxMessage message, Duration took) {
	}

	record Failure(OutboxMessage message, Throwable error, int attempt, Duration retryIn) {
	}

	static final class Recorder implements DeliveryListener {

		final List<Delivery> delivered = Collections.synchronizedList(new ArrayList<>());

		private final List<Failure> failed = Collections.synchronizedList(new ArrayList<>());

		@Override
		public void delivered(OutboxMessage message, Duration duration) {
			this.delivered.add(new Delivery(message, duration));
		}

		@Override
		public void failed(OutboxMessage message, Throwable error, int attempt, Duration retryIn) {
			this.failed.add(new Failure(message, error, attempt, retryIn));
		}

		List<Failure> failures() {
			synchronized (this.failed) {
				return List.copyOf(this.failed);
			}
		}

		List<String> deliveredLabels(DispatcherTests tests) {
			synchronized (this.delivered) {
				return this.delivered.stream().map((delivery) -> tests.label(delivery.message())).toList();
			}
		}

	}

}
