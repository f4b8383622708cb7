package dev.pgoutbox.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.PublishTimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dispatcher's publish timeout: a call that overruns it counts as failed, is
 * interrupted and retried, and holds neither its key nor the other keys.
 */
class DispatcherTimeoutTests {

	private static final Duration WAIT = Duration.ofSeconds(5);

	private static final Duration TIMEOUT = Duration.ofMillis(100);

	private static final Backoff FAST = new Backoff(Duration.ofMillis(5), 2.0, Duration.ofMillis(20), 0.0);

	private final List<Dispatcher> dispatchers = new ArrayList<>();

	private final LabelledEnvelopes envelopes = new LabelledEnvelopes();

	private final List<String> events = Collections.synchronizedList(new ArrayList<>());

	private final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());

	/** Released at the end of each test, so that no hung call outlives it. */
	private final CountDownLatch endOfTest = new CountDownLatch(1);

	@AfterEach
	void closeDispatchers() {
		this.endOfTest.countDown();
		this.dispatchers.forEach(Dispatcher::close);
	}

	@Test
	void countsACallThatOverrunsTheTimeoutAsFailedInterruptsItAndRetries() throws Exception {
		AtomicInteger attempts = new AtomicInteger();
		CountDownLatch interrupted = new CountDownLatch(1);
		Dispatcher dispatcher = dispatcher((message) -> {
			if (label(message).equals("a1") && attempts.incrementAndGet() == 1) {
				try {
					this.endOfTest.await();
				}
				catch (InterruptedException ex) {
					interrupted.countDown();
					throw ex;
				}
			}
		}, new DeliveryPolicy(FAST, 0, TIMEOUT), 1);
		long start = System.nanoTime();
		LabelledEnvelopes.offer(dispatcher, envelope("a1", "a"));
		LabelledEnvelopes.offer(dispatcher, envelope("a2", "a"));

		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(TIMEOUT);
		assertThat(interrupted.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("hung call interrupted").isTrue();
		assertThat(attempts.get()).isEqualTo(2);
		assertThat(this.events).containsExactly("failed a1#1", "delivered a1", "delivered a2");
		assertThat(this.errors).hasSize(1);
		assertThat(this.errors.get(0)).isInstanceOf(PublishTimeoutException.class).hasMessageContaining("100 ms");
		assertThat(this.envelopes.done()).containsExactly("a1", "a2");
	}

	@Test
	void callThatIgnoresInterruptionHoldsNeitherItsKeyNorTheOtherKeysAndItsLateResultIsIgnored() throws Exception {
		AtomicInteger attempts = new AtomicInteger();
		CountDownLatch release = new CountDownLatch(1);
		AtomicReference<Thread> stuck = new AtomicReference<>();
		AtomicInteger interruptsIgnored = new AtomicInteger();
		// one delivery thread: the key and the others can only go on if it is replaced
		Dispatcher dispatcher = dispatcher((message) -> {
			if (label(message).equals("a1") && attempts.incrementAndGet() == 1) {
				stuck.set(Thread.currentThread());
				while (true) {
					try {
						if (release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
							return;
						}
					}
					catch (InterruptedException ex) {
						interruptsIgnored.incrementAndGet();
					}
				}
			}
		}, new DeliveryPolicy(FAST, 0, TIMEOUT), 1);
		LabelledEnvelopes.offer(dispatcher, envelope("a1", "a"));
		LabelledEnvelopes.offer(dispatcher, envelope("a2", "a"));
		LabelledEnvelopes.offer(dispatcher, envelope("b1", "b"));

		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();
		await().atMost(WAIT).until(() -> interruptsIgnored.get() == 1);
		assertThat(stuck.get().isAlive()).as("the hung call is still under way").isTrue();
		assertThat(dispatcher.inFlight()).isZero();
		assertThat(this.events).containsExactlyInAnyOrder("failed a1#1", "delivered a1", "delivered a2",
				"delivered b1");

		// the hung call returns normally: the message was already delivered by the retry
		release.countDown();
		stuck.get().join(WAIT.toMillis());
		assertThat(stuck.get().isAlive()).isFalse();
		assertThat(this.events).containsExactlyInAnyOrder("failed a1#1", "delivered a1", "delivered a2",
				"delivered b1");
		assertThat(this.envelopes.done()).as("the late return completes nothing again")
			.containsExactlyInAnyOrder("a1", "a2", "b1");

		// and the replacement thread keeps delivering
		LabelledEnvelopes.offer(dispatcher, envelope("c1", "c"));
		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();
		assertThat(this.events).contains("delivered c1");
	}

	@Test
	void parksAMessageWhoseEveryAttemptTimesOut() throws Exception {
		List<Parked> parked = Collections.synchronizedList(new ArrayList<>());
		AtomicInteger interrupts = new AtomicInteger();
		Dispatcher dispatcher = new Dispatcher((message) -> {
			if (label(message).equals("a1")) {
				try {
					this.endOfTest.await();
				}
				catch (InterruptedException ex) {
					interrupts.incrementAndGet();
					throw ex;
				}
			}
		}, 2, 100, new DeliveryPolicy(FAST, 2, TIMEOUT),
				(message, attempts, lastError) -> parked.add(new Parked(label(message), attempts, lastError)),
				this.envelopes.recorder(this.events, this.errors), "timeout-test-");
		this.dispatchers.add(dispatcher);
		LabelledEnvelopes.offer(dispatcher, envelope("a1", "a"));
		LabelledEnvelopes.offer(dispatcher, envelope("a2", "a"));

		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();
		assertThat(parked).singleElement().satisfies((message) -> {
			assertThat(message.label()).isEqualTo("a1");
			assertThat(message.attempts()).isEqualTo(2);
			assertThat(message.lastError()).isInstanceOf(PublishTimeoutException.class);
		});
		await().atMost(WAIT).until(() -> interrupts.get() == 2);
		assertThat(this.events).containsExactly("failed a1#1", "delivered a2");
		assertThat(this.envelopes.done()).containsExactly("a1", "a2");
	}

	@Test
	void callsWithinTheTimeoutAreNeverInterrupted() throws Exception {
		AtomicInteger interrupted = new AtomicInteger();
		Dispatcher dispatcher = dispatcher((message) -> {
			if (Thread.currentThread().isInterrupted()) {
				interrupted.incrementAndGet();
			}
		}, new DeliveryPolicy(FAST, 3, Duration.ofSeconds(1)), 4);
		for (int i = 0; i < 2_000; i++) {
			LabelledEnvelopes.offer(dispatcher, envelope("m" + i, "k" + (i % 50)));
		}
		assertThat(dispatcher.awaitDrained(WAIT)).isTrue();
		assertThat(interrupted.get()).isZero();
		assertThat(this.events).hasSize(2_000).allMatch((event) -> event.startsWith("delivered"));
	}

	private Dispatcher dispatcher(MessagePublisher publisher, DeliveryPolicy policy, int concurrency) {
		Dispatcher dispatcher = new Dispatcher(publisher, concurrency, 10_000, policy,
				(message, attempts, lastError) -> {
					throw new AssertionError("nothing is parked in this test");
				}, this.envelopes.recorder(this.events, this.errors), "timeout-test-");
		this.dispatchers.add(dispatcher);
		return dispatcher;
	}

	private Envelope envelope(String label, String key) {
		return this.envelopes.envelope(label, key);
	}

	private String label(OutboxMessage message) {
		return this.envelopes.label(message);
	}

	record Parked(String label, int attempts, Throwable lastError) {
	}

}
