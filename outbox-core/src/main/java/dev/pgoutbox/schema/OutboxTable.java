package dev.pgoutbox.schema;

/**
 * Where the outbox lives: its schema and table, and the names derived from them.
 *
 * <p>
 * Instances are immutable and thread-safe.
 *
 * @param schema the schema of the outbox table
 * @param table the outbox table
 */
public record OutboxTable(SqlIdentifier schema, SqlIdentifier table) {

	public OutboxTable {
		if (schema == null) {
			throw new IllegalArgumentException("'schema' must not be null");
		}
		if (table == null) {
			throw new IllegalArgumentException("'table' must not be null");
		}
		if (table.name().length() > 57) {
			// the slot-state table takes the table's name plus "_slots"
			throw new IllegalArgumentException("'outbox.table' is '" + table + "', which is longer than 57 characters");
		}
	}

	/**
	 * Returns the qualified, quoted name of the outbox table.
	 * @return the name, such as {@code "public"."outbox"}
	 */
	public String qualified() {
		return this.schema.quoted() + "." + this.table.quoted();
	}

	/**
	 * Returns the qualified, quoted name of the table that records the state of each
	 * replication slot reading the outbox.
	 * @return the name, such as {@code "public"."outbox_slots"}
	 */
	public String qualifiedSlotState() {
		return this.schema.quoted() + "." + new SqlIdentifier(this.table.name() + "_slots").quoted();
	}

}
