package dev.pgoutbox.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.pgoutbox.AsyncMessagePublisher;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.PublishTimeoutException;
import dev.pgoutbox.UndeliverableMessageException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dispatcher with an {@link AsyncMessagePublisher}: a delivery thread hands a head
 * over and goes on, so that many keys are in flight on few threads, while each key still
 * has one message in flight at a time, in order; failures, the publish timeout and
 * parking work as with a blocking publisher.
 */
class DispatcherAsyncTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final Backoff FAST = new Backoff(Duration.ofMillis(5), 2.0, Duration.ofMillis(20), 0.0);

	private final List<Dispatcher> dispatchers = new ArrayList<>();

	private final LabelledEnvelopes envelopes = new LabelledEnvelopes();

	private final List<String> events = Collections.synchronizedList(new ArrayList<>());

	private final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());

	private final List<String> parked = Collections.synchronizedList(new ArrayList<>());

	/** The stages handed out and not yet completed by the test. */
	private final ConcurrentLinkedQueue<Call> pending = new ConcurrentLinkedQueue<>();

	@AfterEach
	void closeDispatchers() {
		this.dispatchers.forEach(Dispatcher::close);
	}

	@Test
	void oneThreadKeepsEveryKeyInFlightAndEachKeysOrderHoldsWhateverOrderTheBrokerAnswersIn() throws Exception {
		Map<String, AtomicInteger> inFlightPerKey = new ConcurrentHashMap<>();
		AtomicInteger maxPerKey = new AtomicInteger();
		Dispatcher dispatcher = dispatcher((message) -> {
			maxPerKey.accumulateAndGet(
					inFlightPerKey.computeIfAbsent(message.key(), (key) -> new AtomicInteger()).incrementAndGet(),
					Math::max);
			Call call = new Call(message, new CompletableFuture<>());
			this.pending.add(call);
			return call.stage().whenComplete((result, failure) -> inFlightPerKey.get(message.key()).decrementAndGet());
		}, 1, DeliveryPolicy.retryForever(FAST));
		int keys = 50;
		int perKey = 4;
		for (int n = 0; n < perKey; n++) {
			for (int k = 0; k < keys; k++) {
				LabelledEnvelopes.offer(dispatcher, envelope("k" + k + "-" + n, "k" + k));
			}
		}
		// one delivery thread, and every key's head is with the broker at once
		await().atMost(WAIT).until(() -> this.pending.size() == keys);
		assertThat(dispatcher.inFlight()).isEqualTo(keys);
		// the broker answers what it has, in any order, until every message is in
		Random random = new Random(42);
		List<String> all = expected(keys, perKey);
		await().atMost(WAIT).pollInterval(Duration.ofMillis(1)).until(() -> {
			List<Call> answerable = drainPending();
			Collections.shuffle(answerable, random);
			answerable.forEach((call) -> call.stage().complete(null));
			return this.envelopes.done().containsAll(all);
		});
		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();
		assertThat(maxPerKey.get()).as("calls in flight for one key").isEqualTo(1);
		assertThat(this.envelopes.done()).hasSize(keys * perKey).doesNotHaveDuplicates();
		for (int k = 0; k < keys; k++) {
			String key = "k" + k;
			assertThat(this.events.stream().filter((event) -> event.startsWith("delivered " + key + "-")))
				.as("deliveries of %s", key)
				.containsExactly("delivered " + key + "-0", "delivered " + key + "-1", "delivered " + key + "-2",
						"delivered " + key + "-3");
		}
		assertThat(dispatcher.inFlight()).isZero();
	}

	@Test
	void aStageCompletedExceptionallyOrAThrowingCallIsRetriedBeforeTheKeysNextMessage() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		Dispatcher dispatcher = dispatcher((message) -> {
			int call = calls.incrementAndGet();
			if (call == 1) {
				throw new IllegalStateException("client closed");
			}
			if (call == 2) {
				return CompletableFuture.failedFuture(new IllegalStateException("broker unavailable"));
			}
			// completed on another thread, as a broker client's I/O thread would
			return CompletableFuture.runAsync(() -> {
			});
		}, 2, DeliveryPolicy.retryForever(FAST));
		LabelledEnvelopes.offer(dispatcher, envelope("a1", "a"));
		LabelledEnvelopes.offer(dispatcher, envelope("a2", "a"));
		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();
		assertThat(this.events).containsExactly("failed a1#1", "failed a1#2", "delivered a1", "delivered a2");
		assertThat(this.errors).extracting(Throwable::getMessage)
			.containsExactly("client closed", "broker unavailable");
		assertThat(this.envelopes.done()).containsExactly("a1", "a2");
	}

	@Test
	void aStageThatOverrunsThePublishTimeoutFailsAndItsLateAnswerIsIgnored() throws Exception {
		CompletableFuture<Void> hung = new CompletableFuture<>();
		AtomicInteger calls = new AtomicInteger();
		Dispatcher dispatcher = dispatcher(
				(message) -> (calls.incrementAndGet() == 1) ? hung : CompletableFuture.completedFuture(null), 1,
				new DeliveryPolicy(FAST, 0, Duration.ofMillis(100)));
		LabelledEnvelopes.offer(dispatcher, envelope("a1", "a"));
		LabelledEnvelopes.offer(dispatcher, envelope("b1", "b"));
		LabelledEnvelopes.offer(dispatcher, envelope("a2", "a"));
		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();
		hung.complete(null);
		assertThat(this.envelopes.done()).containsExactlyInAnyOrder("a1", "b1", "a2");
		assertThat(this.envelopes.done().indexOf("a1")).isLessThan(this.envelopes.done().indexOf("a2"));
		assertThat(this.events).contains("failed a1#1").containsOnlyOnce("delivered a1");
		assertThat(this.errors).singleElement().isInstanceOf(PublishTimeoutException.class);
		assertThat(dispatcher.inFlight()).isZero();
	}

	@Test
	void anUndeliverableAnswerParksTheMessageAtOnceAndTheKeyGoesOn() throws Exception {
		Dispatcher dispatcher = dispatcher((message) -> label(message).equals("a1")
				? CompletableFuture.failedFuture(new UndeliverableMessageException("record too large", null))
				: CompletableFuture.completedFuture(null), 1, new DeliveryPolicy(FAST, 5, null));
		LabelledEnvelopes.offer(dispatcher, envelope("a1", "a"));
		LabelledEnvelopes.offer(dispatcher, envelope("a2", "a"));
		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();
		assertThat(this.parked).containsExactly("a1 after 1 attempt(s): record too large");
		assertThat(this.events).containsExactly("delivered a2");
		assertThat(this.envelopes.done()).containsExactly("a1", "a2");
	}

	private List<Call> drainPending() {
		List<Call> calls = new ArrayList<>();
		for (Call call = this.pending.poll(); call != null; call = this.pending.poll()) {
			calls.add(call);
		}
		return calls;
	}

	private static List<String> expected(int keys, int perKey) {
		List<String> labels = new ArrayList<>();
		for (int k = 0; k < keys; k++) {
			for (int n = 0; n < perKey; n++) {
				labels.add("k" + k + "-" + n);
			}
		}
		return labels;
	}

	private Dispatcher dispatcher(AsyncMessagePublisher publisher, int concurrency, DeliveryPolicy policy) {
		Dispatcher dispatcher = new Dispatcher(publisher, concurrency, 1_000, policy,
				(message, attempts, lastError) -> this.parked
					.add(label(message) + " after " + attempts + " attempt(s): " + lastError.getMessage()),
				this.envelopes.recorder(this.events, this.errors), "async-test-");
		this.dispatchers.add(dispatcher);
		return dispatcher;
	}

	private Envelope envelope(String label, String key) {
		return this.envelopes.envelope(label, key);
	}

	private String label(OutboxMessage message) {
		return this.envelopes.label(message);
	}

	private record Call(OutboxMessage message, CompletableFuture<Void> stage) {
	}

}
