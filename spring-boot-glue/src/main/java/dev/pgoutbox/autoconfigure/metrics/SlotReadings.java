package dev.pgoutbox.autoconfigure.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.pgoutbox.replication.SlotMonitor;
import dev.pgoutbox.replication.SlotStatus;

/**
 * The last status read of each partition's slot, read again every refresh interval on a
 * thread of its own, so that scraping the gauges never waits for the database.
 */
final class SlotReadings implements AutoCloseable {

	private final Map<String, SlotMonitor> monitors;

	private final Duration interval;

	private final Map<String, SlotStatus> latest = new ConcurrentHashMap<>();

	private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "outbox-metrics");
		thread.setDaemon(true);
		return thread;
	});

	/**
	 * Creates the readings.
	 * @param monitors a monitor per partition's key, owned by the caller
	 * @param interval how often the slots are read
	 */
	SlotReadings(Map<String, SlotMonitor> monitors, Duration interval) {
		this.monitors = Map.copyOf(monitors);
		this.interval = interval;
	}

	void start() {
		this.refresher.scheduleWithFixedDelay(this::refresh, 0, this.interval.toMillis(), TimeUnit.MILLISECONDS);
	}

	/**
	 * Returns the last status read of a partition's slot.
	 * @param partition the partition's key
	 * @return the status, {@code null} before the first successful read
	 */
	SlotStatus latest(String partition) {
		return this.latest.get(partition);
	}

	private void refresh() {
		try {
			SlotMonitor.readAll(this.monitors, this.interval).forEach((partition, reading) -> {
				// a failed read keeps the last one; health reports the failure
				if (reading.status() != null) {
					this.latest.put(partition, reading.status());
				}
			});
		}
		catch (RuntimeException ex) {
			// a monitor closed during shutdown: an escaping exception would end the
			// refreshing for good
		}
	}

	@Override
	public void close() {
		this.refresher.shutdownNow();
	}

}
