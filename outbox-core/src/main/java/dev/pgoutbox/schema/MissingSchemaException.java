package dev.pgoutbox.schema;

/**
 * Thrown when the schema the outbox's tables belong in does not exist: the outbox creates
 * its tables and publication, never the schema that holds them.
 */
public class MissingSchemaException extends OutboxSchemaException {

	private static final long serialVersionUID = 1L;

	private final String schema;

	private final String database;

	MissingSchemaException(SqlIdentifier schema, String database) {
		super("The schema " + schema.quoted() + " does not exist in the database '" + database + "'");
		this.schema = schema.name();
		this.database = database;
	}

	/**
	 * Returns the name of the missing schema.
	 * @return the name, as in the catalog
	 */
	public String getSchema() {
		return this.schema;
	}

	/**
	 * Returns the name of the database that lacks it.
	 * @return the name
	 */
	public String getDatabase() {
		return this.database;
	}

}
