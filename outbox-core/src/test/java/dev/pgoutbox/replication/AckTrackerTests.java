package dev.pgoutbox.replication;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.pgoutbox.Lsn;

import static org.assertj.core.api.Assertions.assertThat;

class AckTrackerTests {

	private static final Lsn START = lsn(100);

	private final AckTracker tracker = new AckTracker(START);

	private static Lsn lsn(long value) {
		return Lsn.valueOf(value);
	}

	private AckTracker.Transaction closedWithMessages(int messages, long end) {
		AckTracker.Transaction transaction = this.tracker.open();
		for (int i = 0; i < messages; i++) {
			transaction.expect();
		}
		this.tracker.close(transaction, lsn(end));
		return transaction;
	}

	@Test
	void startsAtTheGivenPosition() {
		assertThat(this.tracker.confirmed()).isEqualTo(START);
		assertThat(this.tracker.isIdle()).isTrue();
		assertThat(this.tracker.lastClosedEnd()).isEqualTo(Lsn.ZERO);
	}

	@Test
	void holdsThePositionUntilTheEarliestTransactionCompletesThenJumpsToTheLastCompleteEnd() {
		AckTracker.Transaction first = closedWithMessages(1, 200);
		AckTracker.Transaction second = closedWithMessages(1, 300);
		AckTracker.Transaction third = closedWithMessages(1, 400);
		third.done();
		assertThat(this.tracker.confirmed()).isEqualTo(START);
		second.done();
		assertThat(this.tracker.confirmed()).isEqualTo(START);
		first.done();
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(400));
		assertThat(this.tracker.isIdle()).isTrue();
	}

	static Stream<Arguments> completionOrders() {
		List<List<Integer>> orders = new ArrayList<>();
		permutations(new ArrayList<>(List.of(0, 1, 2)), 0, orders);
		return orders.stream().map(Arguments::of);
	}

	private static void permutations(List<Integer> items, int from, List<List<Integer>> into) {
		if (from == items.size()) {
			into.add(List.copyOf(items));
			return;
		}
		for (int i = from; i < items.size(); i++) {
			Collections.swap(items, from, i);
			permutations(items, from + 1, into);
			Collections.swap(items, from, i);
		}
	}

	@ParameterizedTest
	@MethodSource("completionOrders")
	void confirmsOnlyTheEndOfTheLongestFullyDeliveredPrefixWhateverTheCompletionOrder(List<Integer> order) {
		// each transaction has two messages; complete one message of each in the given
		// order,
		// then the other message of each in the same order
		long[] ends = { 200, 300, 400 };
		List<AckTracker.Transaction> transactions = new ArrayList<>();
		for (long end : ends) {
			transactions.add(closedWithMessages(2, end));
		}
		int[] remaining = { 2, 2, 2 };
		for (int round = 0; round < 2; round++) {
			for (int index : order) {
				transactions.get(index).done();
				remaining[index]--;
				Lsn expected = START;
				for (int i = 0; i < ends.length && remaining[i] == 0; i++) {
					expected = lsn(ends[i]);
				}
				assertThat(this.tracker.confirmed()).as("after completing a message of transaction %d", index)
					.isEqualTo(expected);
			}
		}
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(400));
		assertThat(transactions).allSatisfy((transaction) -> assertThat(transaction.isComplete()).isTrue());
	}

	@Test
	void openTransactionHoldsThePositionEvenWhenItsMessagesAreDone() {
		closedWithMessages(0, 200);
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(200));
		AckTracker.Transaction open = this.tracker.open();
		open.expect();
		open.expect();
		open.done();
		open.done();
		assertThat(open.isComplete()).isFalse();
		assertThat(this.tracker.isIdle()).isFalse();
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(200));
		this.tracker.close(open, lsn(300));
		assertThat(open.isComplete()).isTrue();
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(300));
		assertThat(this.tracker.isIdle()).isTrue();
	}

	@Test
	void transactionWithoutMessagesIsConfirmedWhenClosedIfNothingIsBeforeIt() {
		AckTracker.Transaction empty = this.tracker.open();
		assertThat(this.tracker.confirmed()).isEqualTo(START);
		this.tracker.close(empty, lsn(250));
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(250));
		assertThat(this.tracker.isIdle()).isTrue();
	}

	@Test
	void foldsEmptyTransactionsBehindAStuckOneAndConfirmsTheLastOnceItCompletes() {
		AckTracker.Transaction stuck = closedWithMessages(1, 200);
		for (int i = 1; i <= 10_000; i++) {
			closedWithMessages(0, 200 + i);
		}
		assertThat(this.tracker.confirmed()).isEqualTo(START);
		assertThat(this.tracker.isIdle()).isFalse();
		assertThat(this.tracker.lastClosedEnd()).isEqualTo(lsn(10_200));
		stuck.done();
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(10_200));
		assertThat(this.tracker.isIdle()).isTrue();
	}

	@Test
	void foldsEmptyTransactionsBehindADeliveredOneThatWaitsForAnEarlierOne() {
		AckTracker.Transaction stuck = closedWithMessages(1, 200);
		AckTracker.Transaction delivered = closedWithMessages(1, 300);
		delivered.done();
		closedWithMessages(0, 400);
		closedWithMessages(0, 500);
		AckTracker.Transaction pending = closedWithMessages(1, 600);
		closedWithMessages(0, 700);
		assertThat(this.tracker.confirmed()).isEqualTo(START);
		stuck.done();
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(500));
		pending.done();
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(700));
	}

	@Test
	void transactionWhoseMessagesFinishedBeforeItClosedIsFoldedBehindAStuckOne() {
		AckTracker.Transaction stuck = closedWithMessages(1, 200);
		AckTracker.Transaction early = this.tracker.open();
		early.expect();
		early.done();
		this.tracker.close(early, lsn(300));
		assertThat(this.tracker.confirmed()).isEqualTo(START);
		stuck.done();
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(300));
	}

	@Test
	void idleAtAdvancesThePositionWhenNothingIsPending() {
		this.tracker.idleAt(lsn(500));
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(500));
		this.tracker.idleAt(lsn(400));
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(500));
	}

	@Test
	void idleAtIsFoldedIntoThePendingTailAndConfirmedWithIt() {
		AckTracker.Transaction pending = closedWithMessages(1, 200);
		this.tracker.idleAt(lsn(600));
		assertThat(this.tracker.confirmed()).isEqualTo(START);
		pending.done();
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(600));
	}

	@Test
	void idleAtNeverConfirmsPastAnOpenTransaction() {
		AckTracker.Transaction open = this.tracker.open();
		open.expect();
		this.tracker.idleAt(lsn(600));
		assertThat(this.tracker.confirmed()).isEqualTo(START);
		open.done();
		this.tracker.close(open, lsn(300));
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(300));
	}

	@Test
	void abandonOpenDropsTheOpenTransactionAndIgnoresLaterCompletionsOfItsMessages() {
		closedWithMessages(0, 200);
		AckTracker.Transaction lost = this.tracker.open();
		lost.expect();
		lost.expect();
		lost.done();
		this.tracker.abandonOpen();
		assertThat(this.tracker.isIdle()).isTrue();
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(200));
		// after a reconnect the server sends the same transaction again
		AckTracker.Transaction again = this.tracker.open();
		again.expect();
		again.expect();
		this.tracker.close(again, lsn(300));
		// the lost transaction's messages still in flight finish late
		lost.done();
		lost.done();
		lost.done();
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(200));
		assertThat(again.isComplete()).isFalse();
		again.done();
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(200));
		again.done();
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(300));
		assertThat(this.tracker.isIdle()).isTrue();
	}

	@Test
	void abandonOpenLeavesClosedTransactionsAlone() {
		AckTracker.Transaction closed = closedWithMessages(1, 200);
		this.tracker.abandonOpen();
		assertThat(this.tracker.isIdle()).isFalse();
		closed.done();
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(200));
	}

	@Test
	void abandonOpenBehindAStuckTransactionKeepsTheStuckOne() {
		AckTracker.Transaction stuck = closedWithMessages(1, 200);
		AckTracker.Transaction lost = this.tracker.open();
		lost.expect();
		this.tracker.abandonOpen();
		lost.done();
		assertThat(this.tracker.confirmed()).isEqualTo(START);
		stuck.done();
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(200));
		assertThat(this.tracker.isIdle()).isTrue();
	}

	@Test
	void abandonOpenWithNothingPendingDoesNothing() {
		this.tracker.abandonOpen();
		assertThat(this.tracker.confirmed()).isEqualTo(START);
		assertThat(this.tracker.isIdle()).isTrue();
	}

	@Test
	void confirmedAtLeastRaisesButNeverLowersThePosition() {
		this.tracker.confirmedAtLeast(lsn(50));
		assertThat(this.tracker.confirmed()).isEqualTo(START);
		this.tracker.confirmedAtLeast(lsn(700));
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(700));
		// a transaction ending before the slot's position does not move it back
		closedWithMessages(1, 600).done();
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(700));
		this.tracker.idleAt(lsn(650));
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(700));
	}

	@Test
	void confirmedComparesPositionsAsUnsigned() {
		AckTracker.Transaction high = closedWithMessages(1, 0x8000_0000_0000_0000L);
		high.done();
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(0x8000_0000_0000_0000L));
		this.tracker.confirmedAtLeast(lsn(0x7FFF_FFFF_FFFF_FFFFL));
		assertThat(this.tracker.confirmed()).isEqualTo(lsn(0x8000_0000_0000_0000L));
	}

	@Test
	void lastClosedEndIsTheEndOfTheLastClosedTransactionDeliveredOrNot() {
		closedWithMessages(1, 200);
		assertThat(this.tracker.lastClosedEnd()).isEqualTo(lsn(200));
		AckTracker.Transaction open = this.tracker.open();
		assertThat(this.tracker.lastClosedEnd()).isEqualTo(lsn(200));
		this.tracker.close(open, lsn(300));
		assertThat(this.tracker.lastClosedEnd()).isEqualTo(lsn(300));
		assertThat(this.tracker.confirmed()).isEqualTo(START);
	}

	@Test
	void concurrentCompletionsInRandomOrderEndAtTheLastEnd() throws Exception {
		Random random = new Random(42);
		int transactions = 2_000;
		int[] counts = new int[transactions];
		long[] ends = new long[transactions];
		int messages = 0;
		long end = 1_000;
		for (int t = 0; t < transactions; t++) {
			counts[t] = random.nextInt(4);
			messages += counts[t];
			end += 1 + random.nextInt(1_000);
			ends[t] = end;
		}
		CountDownLatch completions = new CountDownLatch(messages);
		AtomicReference<Throwable> failure = new AtomicReference<>();
		ExecutorService pool = Executors.newFixedThreadPool(4);
		AtomicBoolean stop = new AtomicBoolean();
		Thread observer = new Thread(() -> {
			// the confirmed position only ever moves forward
			Lsn previous = START;
			while (completions.getCount() > 0 && !stop.get()) {
				Lsn current = this.tracker.confirmed();
				if (current.compareTo(previous) < 0) {
					failure.compareAndSet(null,
							new AssertionError("confirmed went back from " + previous + " to " + current));
				}
				previous = current;
				Thread.yield();
			}
		});
		observer.setDaemon(true);
		observer.start();
		try {
			List<AckTracker.Transaction> batch = new ArrayList<>();
			for (int t = 0; t < transactions; t++) {
				AckTracker.Transaction transaction = this.tracker.open();
				for (int m = 0; m < counts[t]; m++) {
					transaction.expect();
					batch.add(transaction);
				}
				this.tracker.close(transaction, lsn(ends[t]));
				if (batch.size() >= 50 || t == transactions - 1) {
					// completions of this batch race each other and the next transactions
					// read
					Collections.shuffle(batch, random);
					for (AckTracker.Transaction completed : batch) {
						pool.execute(() -> {
							try {
								completed.done();
							}
							catch (Throwable ex) {
								failure.compareAndSet(null, ex);
							}
							finally {
								completions.countDown();
							}
						});
					}
					batch.clear();
				}
			}
			assertThat(completions.await(10, TimeUnit.SECONDS)).as("all completions ran").isTrue();
			observer.join(TimeUnit.SECONDS.toMillis(5));
			assertThat(failure.get()).isNull();
			assertThat(this.tracker.confirmed()).isEqualTo(lsn(ends[transactions - 1]));
			assertThat(this.tracker.isIdle()).isTrue();
		}
		finally {
			stop.set(true);
			pool.shutdownNow();
		}
	}

}
