package dev.pgoutbox.schema;

/**
 * Where {@code publish} puts a message until the relay reads it from the WAL.
 */
public enum MessageStore {

	/**
	 * A row in the outbox table, deleted once delivered. A lost replication slot costs
	 * nothing: the relay reads the table again.
	 */
	TABLE,

	/**
	 * A transactional logical decoding message ({@code pg_logical_emit_message}), in the
	 * WAL alone: no table to grow, clean or vacuum. The slot is then the only copy of
	 * what it has not confirmed, so a lost slot is never silently replaced.
	 */
	WAL

}
