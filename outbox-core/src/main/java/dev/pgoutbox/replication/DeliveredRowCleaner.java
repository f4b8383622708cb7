package dev.pgoutbox.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

	/**
	 * How many rounds a row that a delete did not find is looked for again: the walsender
	 * may send a commit before the writing transaction is visible to other sessions, so a
	 * delete right after the delivery can miss the row.
	 */
	private static final int MISSED_ROUNDS = 5;

	private final ConcurrentLinkedQueue<UUID> delivered = new ConcurrentLinkedQueue<>();

	/** Rows a delete did not find, with the rounds they have been missed. */
	private final Map<UUID, Integer> missed = new HashMap<>();

	private final AtomicInteger waiting = new AtomicInteger();

	DeliveredRowCleaner(DataSource dataSource, OutboxTable table, int batchSize) {
		this.dataSource = dataSource;
		// ids travel as one comma-separated text: the driver's text encoding of a uuid[]
		// parameter escapes every element, which showed in profiles of large drains
		this.deleteSql = "DELETE FROM " + table.qualified()
				+ " WHERE id = ANY (string_to_array(?, ',')::uuid[]) RETURNING id";
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
	synchronized int deleteDelivered() {
		int total = 0;
		// the rows missed last round first, then what was delivered since
		List<UUID> again = new ArrayList<>(this.missed.keySet());
		for (int from = 0; from < again.size(); from += this.batchSize) {
			List<UUID> batch = again.subList(from, Math.min(again.size(), from + this.batchSize));
			try {
				total += deleteAndTrack(batch);
			}
			catch (SQLException ex) {
				logger.warn("Could not delete delivered outbox rows; will try again: {}", ex.getMessage());
				return total;
			}
		}
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
				total += deleteAndTrack(batch);
			}
			catch (SQLException ex) {
				batch.forEach(this::add);
				logger.warn("Could not delete delivered outbox rows; will try again: {}", ex.getMessage());
				return total;
			}
		}
	}

	/**
	 * Deletes a batch, remembering the rows it did not find for a few more rounds: the
	 * row of a replayed or WAL-store message never existed or is gone, and is dropped
	 * after them.
	 */
	private int deleteAndTrack(List<UUID> batch) throws SQLException {
		Set<UUID> deleted = delete(batch);
		for (UUID id : batch) {
			if (deleted.contains(id)) {
				this.missed.remove(id);
			}
			else {
				int rounds = this.missed.getOrDefault(id, 0) + 1;
				if (rounds < MISSED_ROUNDS) {
					this.missed.put(id, rounds);
				}
				else {
					this.missed.remove(id);
				}
			}
		}
		return deleted.size();
	}

	private Set<UUID> delete(List<UUID> ids) throws SQLException {
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
			Set<UUID> deleted = new HashSet<>();
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					deleted.add(rs.getObject(1, UUID.class));
				}
			}
			return deleted;
		}
	}

}
