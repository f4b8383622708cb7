package dev.pgoutbox.autoconfigure;

import java.time.Duration;
import java.util.List;

import dev.pgoutbox.delivery.Backoff;
import dev.pgoutbox.replication.RelaySettings;
import dev.pgoutbox.replication.StoreSettings;
import dev.pgoutbox.schema.MessageStore;
import dev.pgoutbox.schema.OutboxPartition;
import dev.pgoutbox.schema.OutboxSchema;
import dev.pgoutbox.schema.OutboxTable;
import dev.pgoutbox.schema.OutboxWriter;
import dev.pgoutbox.schema.SqlIdentifier;
import dev.pgoutbox.schema.WalMessageFormat;

/**
 * Turns {@link OutboxProperties} into the engine's validated settings, naming the
 * property at fault in every error.
 */
final class OutboxSettings {

	private OutboxSettings() {
	}

	static OutboxTable table(OutboxProperties properties) {
		return check(() -> {
			OutboxTable table = new OutboxTable(SqlIdentifier.of(properties.getSchema(), "outbox.schema"),
					SqlIdentifier.of(properties.getTable(), "outbox.table"));
			// fails naming outbox.table when the name leaves no room for the dead-letter
			// table's
			OutboxSchema.deadLetterTable(table);
			return table;
		});
	}

	static List<OutboxPartition> partitions(OutboxProperties properties) {
		SqlIdentifier slot = check(
				() -> SqlIdentifier.of(properties.getReplication().getSlotName(), "outbox.replication.slot-name"));
		return check(() -> OutboxPartition.of(slot, publication(properties), properties.getPartitions()));
	}

	static void membership(OutboxProperties properties) {
		OutboxProperties.Membership membership = properties.getMembership();
		positive(membership.getHeartbeatInterval(), "outbox.membership.heartbeat-interval");
		positive(membership.getInstanceTimeout(), "outbox.membership.instance-timeout");
		if (membership.getInstanceTimeout().compareTo(membership.getHeartbeatInterval().multipliedBy(2)) < 0) {
			throw invalid("'outbox.membership.instance-timeout' must be at least twice "
					+ "'outbox.membership.heartbeat-interval', or live instances would be taken for dead");
		}
	}

	static StoreSettings store(OutboxProperties properties) {
		if (properties.getStore() == null) {
			throw invalid("'outbox.store' must be 'table' or 'wal'");
		}
		String prefix = (properties.getWal().getPrefix() != null) ? properties.getWal().getPrefix()
				: WalMessageFormat.defaultPrefix(table(properties));
		return check(() -> new StoreSettings(properties.getStore(), prefix, properties.getReplication().isFailover(),
				properties.getReplication().isRecreateLostSlot()));
	}

	static OutboxWriter writer(OutboxProperties properties) {
		StoreSettings store = store(properties);
		if (store.store() == MessageStore.TABLE) {
			return OutboxWriter.table(table(properties));
		}
		return OutboxWriter.wal(store.walPrefix(),
				partitions(properties).stream().map((partition) -> partition.slot().name()).toList(),
				properties.getWal().getCompression());
	}

	static SqlIdentifier publication(OutboxProperties properties) {
		return check(() -> SqlIdentifier.of(properties.getReplication().getPublicationName(),
				"outbox.replication.publication-name"));
	}

	static RelaySettings relay(OutboxProperties properties) {
		OutboxProperties.Replication replication = properties.getReplication();
		OutboxProperties.Delivery delivery = properties.getDelivery();
		OutboxProperties.Retry retry = delivery.getRetry();
		positive(replication.getStatusInterval(), "outbox.replication.status-interval");
		positive(properties.getShutdownTimeout(), "outbox.shutdown-timeout");
		positive(retry.getInitialDelay(), "outbox.delivery.retry.initial-delay");
		positive(replication.getReconnectInitialDelay(), "outbox.replication.reconnect-initial-delay");
		positive(properties.getCleanup().getInterval(), "outbox.cleanup.interval");
		positive(delivery.getPublishTimeout(), "outbox.delivery.publish-timeout");
		if (retry.getMaxAttempts() < 0) {
			throw invalid("'outbox.delivery.retry.max-attempts' must be 0 (retry forever) or more, not "
					+ retry.getMaxAttempts());
		}
		atLeastOne(delivery.getConcurrency(), "outbox.delivery.concurrency");
		atLeastOne(delivery.getBufferSize(), "outbox.delivery.buffer-size");
		atLeastOne(properties.getCleanup().getBatchSize(), "outbox.cleanup.batch-size");
		SqlIdentifier slot = check(() -> SqlIdentifier.of(replication.getSlotName(), "outbox.replication.slot-name"));
		Backoff retryBackoff = check(() -> new Backoff(retry.getInitialDelay(), retry.getMultiplier(),
				retry.getMaxDelay(), retry.getJitter()), "outbox.delivery.retry");
		Backoff reconnect = check(
				() -> new Backoff(replication.getReconnectInitialDelay(), 2.0, replication.getReconnectMaxDelay(), 0.2),
				"outbox.replication.reconnect-max-delay");
		Duration nap = replication.getCatchUpNap();
		if (nap == null || nap.isNegative() || nap.compareTo(RelaySettings.MAX_CATCH_UP_NAP) > 0) {
			throw invalid("'outbox.replication.catch-up-nap' must be between 0 and "
					+ RelaySettings.MAX_CATCH_UP_NAP.toMillis() + "ms, not " + nap);
		}
		return new RelaySettings(table(properties), slot, publication(properties), replication.getStatusInterval(),
				delivery.getConcurrency(), delivery.getBufferSize(), retryBackoff, reconnect,
				properties.getCleanup().getBatchSize(), properties.getCleanup().getInterval(), retry.getMaxAttempts(),
				delivery.getPublishTimeout(), null, store(properties), nap);
	}

	private static void positive(Duration value, String property) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw invalid("'" + property + "' must be a positive duration, not " + value);
		}
	}

	private static void atLeastOne(int value, String property) {
		if (value < 1) {
			throw invalid("'" + property + "' must be at least 1, not " + value);
		}
	}

	private static <T> T check(java.util.function.Supplier<T> factory) {
		return check(factory, null);
	}

	private static <T> T check(java.util.function.Supplier<T> factory, String prefix) {
		try {
			return factory.get();
		}
		catch (IllegalArgumentException ex) {
			throw invalid(((prefix != null) ? prefix + ": " : "") + ex.getMessage());
		}
	}

	private static OutboxStartupException invalid(String description) {
		return new OutboxStartupException("Invalid outbox configuration: " + description,
				"Correct the value in your application properties (the outbox.* keys).");
	}

}
