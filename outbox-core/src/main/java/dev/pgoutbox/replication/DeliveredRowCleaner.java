package dev.pgoutbox.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.pgoutbox.schema.OutboxTable;

/**
 * Deletes delivered rows from the outbox table in batches, so that the table holds only
 * the backlog. A row deleted before its transaction is confirmed to the slot costs at
 * most a duplicate after a crash: the slot still holds the transaction.
 *
 * <p>
 * Thread-safe: delivery threads add ids, one thread deletes.
 */
final class DeliveredRowCleaner {

	private static final Logger logger = LoggerFactory.getLogger(DeliveredRowCleaner.class);

	/**
	 * Beyond this many ids waiting (the database is unreachable), new ones are dropped.
	 */
	private static final int MAX_WAITING = 1_000_000;

	private final DataSource dataSource;

	private final String deleteSql;

	private final int batchSize;

	private final ConcurrentLinkedQueue<UUID> delivered = new ConcurrentLinkedQueue<>();

	private final AtomicInteger waiting = new AtomicInteger();

	DeliveredRowCleaner(DataSource dataSource, OutboxTable table, int batchSize) {
		this.dataSource = dataSource;
		// ids travel as one comma-separated text: the driver's text encoding of a uuid[]
		// parameter escapes every element, which showed in profiles of large drains
		this.deleteSql = "DELETE FROM " + table.qualified() + " WHERE id = ANY (string_to_array(?, ',')::uuid[])";
		this.batchSize = batchSize;
	}

	void add(UUID id) {
		if (this.waiting.incrementAndGet() > MAX_WAITING) {
			// a row left behind is only delivered again if the slot is ever recreated
			this.waiting.decrementAndGet();
			return;
		}
		this.delivered.add(id);
	}

	/**
	 * Deletes every row recorded so far, in batches.
	 * @return the number of rows deleted
	 */
	int deleteDelivered() {
		int total = 0;
		List<UUID> batch = new ArrayList<>(this.batchSize);
		while (true) {
			batch.clear();
			UUID id;
			while (batch.size() < this.batchSize && (id = this.delivered.poll()) != null) {
				batch.add(id);
			}
			if (batch.isEmpty()) {
				return total;
			}
			this.waiting.addAndGet(-batch.size());
			try {
				total += delete(batch);
			}
			catch (SQLException ex) {
				batch.forEach(this::add);
				logger.warn("Could not delete delivered outbox rows; will try again: {}", ex.getMessage());
				return total;
			}
		}
	}

	private int delete(List<UUID> ids) throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(this.deleteSql)) {
			StringBuilder joined = new StringBuilder(ids.size() * 37);
			for (UUID id : ids) {
				if (joined.length() > 0) {
					joined.append(',');
				}
				joined.append(id);
			}
			statement.setString(1, joined.toString());
			return statement.executeUpdate();
		}
	}

}
