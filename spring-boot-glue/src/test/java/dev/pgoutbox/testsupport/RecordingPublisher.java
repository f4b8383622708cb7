package dev.pgoutbox.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;

/**
 * A {@link MessagePublisher} that records every message it is handed, in arrival order,
 * with an optional hook that runs first (to block, slow down or fail a message).
 */
public class RecordingPublisher implements MessagePublisher {

	private final List<OutboxMessage> received = new ArrayList<>();

	private final Set<UUID> attempted = ConcurrentHashMap.newKeySet();

	private volatile Hook hook = (message) -> {
	};

	/** Runs before a message is recorded; throwing makes the publish fail. */
	@FunctionalInterface
	public interface Hook {

		void before(OutboxMessage message) throws Exception;

	}

	/**
	 * A broker call that never returns until {@code release} opens and ignores
	 * interruption, as a stuck client library does; counts the calls it holds.
	 */
	public static Hook hangIgnoringInterruption(CountDownLatch release, AtomicInteger hanging) {
		return (message) -> {
			hanging.incrementAndGet();
			while (release.getCount() > 0) {
				try {
					release.await();
				}
				catch (InterruptedException ex) {
					// ignored on purpose
				}
			}
		};
	}

	public void setHook(Hook hook) {
		this.hook = hook;
	}

	@Override
	public void publish(OutboxMessage message) throws Exception {
		this.attempted.add(message.id());
		this.hook.before(message);
		synchronized (this.received) {
			this.received.add(message);
		}
	}

	public List<OutboxMessage> received() {
		synchronized (this.received) {
			return List.copyOf(this.received);
		}
	}

	/** The ids of every message handed to this publisher, delivered or not. */
	public Set<UUID> attemptedIds() {
		return Set.copyOf(this.attempted);
	}

	/** The ids of the messages delivered. */
	public Set<UUID> deliveredIds() {
		synchronized (this.received) {
			return this.received.stream().map(OutboxMessage::id).collect(Collectors.toSet());
		}
	}

	public int count() {
		synchronized (this.received) {
			return this.received.size();
		}
	}

	/** Waits until at least {@code count} messages have arrived. */
	public List<OutboxMessage> awaitCount(int count, Duration timeout) {
		Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> count() >= count);
		return received();
	}

	/** Waits until a message matching the predicate has arrived. */
	public OutboxMessage awaitMessage(Predicate<OutboxMessage> predicate, Duration timeout) {
		Awaitility.await()
			.atMost(timeout)
			.pollInterval(Duration.ofMillis(20))
			.until(() -> received().stream().anyMatch(predicate));
		return received().stream().filter(predicate).findFirst().orElseThrow();
	}

	/** Groups the received payloads by key, each list in arrival order. */
	public Map<String, List<String>> payloadsByKey() {
		Map<String, List<String>> byKey = new LinkedHashMap<>();
		for (OutboxMessage message : received()) {
			byKey.computeIfAbsent(message.key(), (key) -> new ArrayList<>()).add(message.payload());
		}
		return byKey;
	}

}
