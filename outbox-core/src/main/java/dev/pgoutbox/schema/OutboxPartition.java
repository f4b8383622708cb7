package dev.pgoutbox.schema;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One partition of the outbox: the rows written with its key, relayed by a slot and a
 * publication of their own. With the single partition {@value #DEFAULT} the slot and
 * publication keep their configured names; with several, each name gets the partition as
 * a suffix and the publication filters its rows.
 *
 * @param key the partition key, as written in the outbox's {@code partition_key} column
 * @param slot the partition's replication slot
 * @param publication the partition's publication
 * @param filtered whether the publication (or, before PostgreSQL 15, the relay) keeps
 * only this partition's rows
 */
public record OutboxPartition(String key, SqlIdentifier slot, SqlIdentifier publication, boolean filtered) {

	/** The partition of messages written without one. */
	public static final String DEFAULT = "default";

	private static final Pattern KEY = Pattern.compile("[a-z0-9_]{1,32}");

	/**
	 * Checks a partition key: lower-case letters, digits and underscores, at most 32, so
	 * that it can be part of a slot's name and of a SQL literal.
	 * @param key the candidate
	 * @param what what the key names in error messages
	 * @return the key
	 * @throws IllegalArgumentException if it is not a valid key
	 */
	public static String checkKey(String key, String what) {
		if (key == null || !KEY.matcher(key).matches()) {
			throw new IllegalArgumentException("'" + what + "' is '" + key + "', which is not a valid partition key: "
					+ "use 1 to 32 lower-case letters, digits and underscores");
		}
		return key;
	}

	/**
	 * Returns the partitions for the given keys.
	 * @param slot the configured slot name
	 * @param publication the configured publication name
	 * @param keys the partition keys, not empty, without duplicates
	 * @return the partitions, in the order given
	 */
	public static List<OutboxPartition> of(SqlIdentifier slot, SqlIdentifier publication, List<String> keys) {
		if (keys == null || keys.isEmpty()) {
			throw new IllegalArgumentException("'outbox.partitions' must name at least one partition");
		}
		if (new LinkedHashSet<>(keys).size() != keys.size()) {
			throw new IllegalArgumentException("'outbox.partitions' names a partition twice: " + keys);
		}
		keys.forEach((key) -> checkKey(key, "outbox.partitions"));
		if (keys.equals(List.of(DEFAULT))) {
			return List.of(new OutboxPartition(DEFAULT, slot, publication, false));
		}
		List<OutboxPartition> partitions = new ArrayList<>();
		for (String key : keys) {
			partitions
				.add(new OutboxPartition(key, SqlIdentifier.of(slot.name() + "_" + key, "outbox.replication.slot-name"),
						SqlIdentifier.of(publication.name() + "_" + key, "outbox.replication.publication-name"), true));
		}
		return List.copyOf(partitions);
	}

	/**
	 * Returns the partition key as a SQL string literal; safe because keys are checked.
	 * @return the literal, such as {@code 'tenant_a'}
	 */
	String literal() {
		return "'" + this.key + "'";
	}

}
