package dev.pgoutbox.replication;

import java.time.Duration;

import dev.pgoutbox.delivery.Backoff;
import dev.pgoutbox.delivery.DeliveryPolicy;
import dev.pgoutbox.schema.OutboxPartition;
import dev.pgoutbox.schema.OutboxTable;
import dev.pgoutbox.schema.SqlIdentifier;

/**
 * Everything the relay needs to know, validated once.
 *
 * @param table the outbox table
 * @param slot the replication slot's name
 * @param publication the publication's name
 * @param statusInterval the longest time between feedback messages to the server
 * @param concurrency the number of delivery lanes working at once
 * @param bufferCapacity the most messages held between the slot and the publisher
 * @param retry the backoff between failed publish attempts of a message
 * @param reconnect the backoff between failed connection attempts
 * @param cleanupBatchSize the most delivered rows deleted in one statement
 * @param cleanupInterval how often delivered rows are deleted
 * @param maxAttempts the most publish attempts of a message before it is parked as a dead
 * letter, or {@code 0} for no limit
 * @param publishTimeout the longest a publish call may take before it counts as failed
 * @param partition the only partition to relay, or {@code null} for every row
 * @param store which store messages are written to, and how the slot is guarded
 * @param catchUpNap how long the reader naps once it has caught up with a busy server, so
 * that the server's next messages are read in one go; zero for never
 */
public record RelaySettings(OutboxTable table, SqlIdentifier slot, SqlIdentifier publication, Duration statusInterval,
		int concurrency, int bufferCapacity, Backoff retry, Backoff reconnect, int cleanupBatchSize,
		Duration cleanupInterval, int maxAttempts, Duration publishTimeout, String partition, StoreSettings store,
		Duration catchUpNap) {

	/** The default of {@link #catchUpNap()}. */
	public static final Duration DEFAULT_CATCH_UP_NAP = Duration.ofMillis(1);

	/** The longest {@link #catchUpNap()}: more than this only adds latency. */
	public static final Duration MAX_CATCH_UP_NAP = Duration.ofMillis(50);

	public RelaySettings {
		requireNonNull(table, "table");
		requireNonNull(store, "store");
		requireNonNull(slot, "slot");
		requireNonNull(publication, "publication");
		requireNonNull(retry, "retry");
		requireNonNull(reconnect, "reconnect");
		requirePositive(statusInterval, "statusInterval");
		requirePositive(cleanupInterval, "cleanupInterval");
		if (statusInterval.toMillis() > Integer.MAX_VALUE) {
			throw new IllegalArgumentException("'statusInterval' is too long");
		}
		if (concurrency < 1) {
			throw new IllegalArgumentException("'concurrency' must be at least 1");
		}
		if (bufferCapacity < 1) {
			throw new IllegalArgumentException("'bufferCapacity' must be at least 1");
		}
		if (cleanupBatchSize < 1) {
			throw new IllegalArgumentException("'cleanupBatchSize' must be at least 1");
		}
		if (maxAttempts < 0) {
			throw new IllegalArgumentException("'maxAttempts' must be 0 (no limit) or more");
		}
		requirePositive(publishTimeout, "publishTimeout");
		if (catchUpNap == null || catchUpNap.isNegative() || catchUpNap.compareTo(MAX_CATCH_UP_NAP) > 0) {
			throw new IllegalArgumentException(
					"'catchUpNap' must be between 0 and " + MAX_CATCH_UP_NAP.toMillis() + " ms, not " + catchUpNap);
		}
	}

	/**
	 * Creates settings for the table store.
	 */
	public RelaySettings(OutboxTable table, SqlIdentifier slot, SqlIdentifier publication, Duration statusInterval,
			int concurrency, int bufferCapacity, Backoff retry, Backoff reconnect, int cleanupBatchSize,
			Duration cleanupInterval, int maxAttempts, Duration publishTimeout, String partition) {
		this(table, slot, publication, statusInterval, concurrency, bufferCapacity, retry, reconnect, cleanupBatchSize,
				cleanupInterval, maxAttempts, publishTimeout, partition, StoreSettings.table(table),
				DEFAULT_CATCH_UP_NAP);
	}

	/**
	 * Creates settings for the whole outbox, not one partition of it, in the table store.
	 */
	public RelaySettings(OutboxTable table, SqlIdentifier slot, SqlIdentifier publication, Duration statusInterval,
			int concurrency, int bufferCapacity, Backoff retry, Backoff reconnect, int cleanupBatchSize,
			Duration cleanupInterval, int maxAttempts, Duration publishTimeout) {
		this(table, slot, publication, statusInterval, concurrency, bufferCapacity, retry, reconnect, cleanupBatchSize,
				cleanupInterval, maxAttempts, publishTimeout, null);
	}

	/**
	 * Returns these settings for one partition: its slot and publication, and only its
	 * rows.
	 * @param partition the partition
	 * @return the settings
	 */
	public RelaySettings forPartition(OutboxPartition partition) {
		return new RelaySettings(this.table, partition.slot(), partition.publication(), this.statusInterval,
				this.concurrency, this.bufferCapacity, this.retry, this.reconnect, this.cleanupBatchSize,
				this.cleanupInterval, this.maxAttempts, this.publishTimeout,
				partition.filtered() ? partition.key() : null, this.store, this.catchUpNap);
	}

	/**
	 * Returns these settings with another store.
	 * @param store the store settings
	 * @return the settings
	 */
	public RelaySettings withStore(StoreSettings store) {
		return new RelaySettings(this.table, this.slot, this.publication, this.statusInterval, this.concurrency,
				this.bufferCapacity, this.retry, this.reconnect, this.cleanupBatchSize, this.cleanupInterval,
				this.maxAttempts, this.publishTimeout, this.partition, store, this.catchUpNap);
	}

	/**
	 * Returns these settings with another catch-up nap.
	 * @param catchUpNap how long the reader naps once caught up, zero for never
	 * @return the settings
	 */
	public RelaySettings withCatchUpNap(Duration catchUpNap) {
		return new RelaySettings(this.table, this.slot, this.publication, this.statusInterval, this.concurrency,
				this.bufferCapacity, this.retry, this.reconnect, this.cleanupBatchSize, this.cleanupInterval,
				this.maxAttempts, this.publishTimeout, this.partition, this.store, catchUpNap);
	}

	/**
	 * Returns how failing publish calls are treated.
	 * @return the retry backoff, attempt limit and publish timeout
	 */
	DeliveryPolicy delivery() {
		return new DeliveryPolicy(this.retry, this.maxAttempts, this.publishTimeout);
	}

	private static void requireNonNull(Object value, String name) {
		if (value == null) {
			throw new IllegalArgumentException("'" + name + "' must not be null");
		}
	}

	private static void requirePositive(Duration value, String name) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException("'" + name + "' must be positive");
		}
	}

}
