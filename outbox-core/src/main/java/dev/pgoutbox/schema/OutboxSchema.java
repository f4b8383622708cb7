package dev.pgoutbox.schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates or checks the outbox's tables and publication, from the DDL shipped as the
 * resource {@code dev/pgoutbox/schema/outbox-postgresql.sql}.
 *
 * <p>
 * Instances are immutable and thread-safe; each call uses the connection it is given.
 */
public final class OutboxSchema {

	/** Classpath location of the DDL, for users who manage the schema with migrations. */
	public static final String DDL_RESOURCE = "dev/pgoutbox/schema/outbox-postgresql.sql";

	private static final String DEAD_LETTERS_SUFFIX = "_dead_letters";

	private final OutboxTable table;

	private final SqlIdentifier publication;

	private final List<OutboxPartition> partitions;

	private final SqlIdentifier deadLetters;

	/**
	 * Creates the schema of an outbox with the single partition {@code default}.
	 * @param table the outbox table
	 * @param publication the publication's name
	 */
	public OutboxSchema(OutboxTable table, SqlIdentifier publication) {
		// the schema needs no slot name: the publication's stands in for it
		this(table, List
			.of(new OutboxPartition(OutboxPartition.DEFAULT, requirePublication(publication), publication, false)));
	}

	private static SqlIdentifier requirePublication(SqlIdentifier publication) {
		if (publication == null) {
			throw new IllegalArgumentException("'publication' must not be null");
		}
		return publication;
	}

	/**
	 * Creates the schema of an outbox with the given partitions, one publication each.
	 * @param table the outbox table
	 * @param partitions the partitions, not empty
	 */
	public OutboxSchema(OutboxTable table, List<OutboxPartition> partitions) {
		if (table == null) {
			throw new IllegalArgumentException("'table' must not be null");
		}
		if (partitions == null || partitions.isEmpty()) {
			throw new IllegalArgumentException("'partitions' must not be empty");
		}
		this.table = table;
		this.partitions = List.copyOf(partitions);
		this.publication = this.partitions.get(0).publication();
		this.deadLetters = deadLetterTable(table);
	}

	/**
	 * Returns the name of the table that holds the outbox's dead letters, in the outbox
	 * table's schema: the outbox table's name plus {@code _dead_letters}.
	 * @param table the outbox table, not {@code null}
	 * @return the dead-letter table's name
	 * @throws IllegalArgumentException if the outbox table's name leaves no room for the
	 * suffix within PostgreSQL's 63 characters
	 */
	public static SqlIdentifier deadLetterTable(OutboxTable table) {
		if (table == null) {
			throw new IllegalArgumentException("'table' must not be null");
		}
		String name = table.table().name();
		int longest = 63 - DEAD_LETTERS_SUFFIX.length();
		if (name.length() > longest) {
			throw new IllegalArgumentException("'outbox.table' is '" + name + "', which is longer than " + longest
					+ " characters: the dead-letter table takes its name plus \"" + DEAD_LETTERS_SUFFIX + "\"");
		}
		return new SqlIdentifier(name + DEAD_LETTERS_SUFFIX);
	}

	/**
	 * Returns the qualified, quoted name of the table that holds the outbox's dead
	 * letters.
	 * @param table the outbox table, not {@code null}
	 * @return the name, such as {@code "public"."outbox_dead_letters"}
	 */
	public static String qualifiedDeadLetterTable(OutboxTable table) {
		return table.schema().quoted() + "." + deadLetterTable(table).quoted();
	}

	/**
	 * Returns the DDL with the configured names filled in, one statement per element.
	 * @return the statements, tables first, the publication last
	 */
	List<String> statements() {
		String ddl = readResource().replace("${schema}", this.table.schema().quoted())
			.replace("${slots_table}", new SqlIdentifier(this.table.table().name() + "_slots").quoted())
			.replace("${dead_letters_table}", this.deadLetters.quoted())
			.replace("${instances_table}", new SqlIdentifier(this.table.table().name() + "_instances").quoted())
			.replace("${table}", this.table.table().quoted())
			.replace("${publication}", this.publication.quoted());
		List<String> statements = new ArrayList<>();
		StringBuilder current = new StringBuilder();
		for (String line : ddl.split("\n")) {
			String code = line.contains("--") ? line.substring(0, line.indexOf("--")) : line;
			if (code.isBlank()) {
				continue;
			}
			current.append(code.stripTrailing()).append('\n');
			if (code.stripTrailing().endsWith(";")) {
				statements.add(current.toString().strip().replaceAll(";$", ""));
				current.setLength(0);
			}
		}
		return List.copyOf(statements);
	}

	/**
	 * Creates whatever of the tables and publication is missing. Safe to run from several
	 * instances at once: a transaction-scoped advisory lock serializes them.
	 * @param connection a connection in auto-commit mode, not {@code null}
	 * @throws MissingSchemaException if the schema the tables belong in does not exist
	 * @throws SQLException if the DDL fails
	 */
	public void create(Connection connection) throws SQLException {
		requireSchema(connection);
		boolean autoCommit = connection.getAutoCommit();
		connection.setAutoCommit(false);
		try (Statement statement = connection.createStatement()) {
			statement.execute("SELECT pg_advisory_xact_lock(hashtext('dev.pgoutbox.schema'))");
			List<String> statements = statements();
			for (int i = 0; i < statements.size() - 1; i++) {
				statement.execute(statements.get(i));
			}
			keyDeadLettersByHandler(connection);
			boolean rowFilters = connection.getMetaData().getDatabaseMajorVersion() >= 15;
			for (OutboxPartition partition : this.partitions) {
				if (!publicationExists(connection, partition.publication())) {
					statement.execute(publicationStatement(partition, rowFilters));
				}
			}
			connection.commit();
		}
		catch (SQLException ex) {
			connection.rollback();
			throw ex;
		}
		finally {
			connection.setAutoCommit(autoCommit);
		}
	}

	/**
	 * Gives a dead-letter table from before handlers, whose primary key is the id alone,
	 * the key (id, handler): several handlers may park one message. Done here rather than
	 * in the DDL, which stays plain statements that migration tools split on semicolons.
	 */
	private void keyDeadLettersByHandler(Connection connection) throws SQLException {
		String table = this.table.schema().quoted() + "." + this.deadLetters.quoted();
		String constraint;
		try (PreparedStatement statement = connection.prepareStatement("SELECT c.conname FROM "
				+ "pg_catalog.pg_constraint c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid "
				+ "AND a.attname = 'id' WHERE c.conrelid = ?::regclass AND c.contype = 'p' AND c.conkey = ARRAY[a.attnum]")) {
			statement.setString(1, table);
			try (ResultSet rs = statement.executeQuery()) {
				constraint = rs.next() ? rs.getString(1) : null;
			}
		}
		if (constraint != null) {
			try (Statement statement = connection.createStatement()) {
				statement.execute("ALTER TABLE " + table + " DROP CONSTRAINT \"" + constraint.replace("\"", "\"\"")
						+ "\"" + ", ADD PRIMARY KEY (id, handler)");
			}
		}
	}

	/**
	 * Checks that the tables and the publication exist, for schemas managed elsewhere.
	 * @param connection a connection, not {@code null}
	 * @throws MissingSchemaException if the schema the tables belong in does not exist
	 * @throws OutboxSchemaException naming what is missing and how to create it
	 * @throws SQLException if the catalog cannot be read
	 */
	public void validate(Connection connection) throws SQLException {
		requireSchema(connection);
		List<String> missing = new ArrayList<>();
		if (!tableExists(connection, this.table.table().name())) {
			missing.add("table " + this.table.qualified());
		}
		else if (!columnExists(connection, this.table.table().name(), "handlers")) {
			// added in 0.2.0, for replays to the handlers that parked a message
			missing.add("column handlers of table " + this.table.qualified());
		}
		if (!tableExists(connection, this.table.table().name() + "_slots")) {
			missing.add("table " + this.table.qualifiedSlotState());
		}
		else if (!columnExists(connection, this.table.table().name() + "_slots", "confirmed_lsn")) {
			// added in 0.2.0: the DDL's ALTER TABLE ... ADD COLUMN IF NOT EXISTS adds it
			missing.add("column confirmed_lsn of table " + this.table.qualifiedSlotState());
		}
		if (!tableExists(connection, this.deadLetters.name())) {
			missing.add("table " + this.table.schema().quoted() + "." + this.deadLetters.quoted());
		}
		else if (!columnExists(connection, this.deadLetters.name(), "handler")) {
			// added in 0.2.0, with the primary key (id, handler)
			missing.add("column handler of table " + this.table.schema().quoted() + "." + this.deadLetters.quoted());
		}
		// instances share partitions through this table; without it membership fails at
		// each heartbeat
		if (this.partitions.size() > 1 && !tableExists(connection, this.table.table().name() + "_instances")) {
			missing.add("table " + this.table.schema().quoted() + "."
					+ new SqlIdentifier(this.table.table().name() + "_instances").quoted());
		}
		for (OutboxPartition partition : this.partitions) {
			if (!publicationExists(connection, partition.publication())) {
				missing.add("publication " + partition.publication().quoted());
			}
		}
		if (!missing.isEmpty()) {
			throw new OutboxSchemaException("The outbox schema is incomplete: missing " + String.join(", ", missing)
					+ ". Create it with the DDL in the classpath resource " + DDL_RESOURCE
					+ ", or set outbox.initialize-schema=always to let the outbox create it.");
		}
	}

	private boolean columnExists(Connection connection, String table, String column) throws SQLException {
		try (PreparedStatement statement = connection.prepareStatement("SELECT 1 FROM pg_catalog.pg_attribute a "
				+ "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
				+ "WHERE n.nspname = ? AND c.relname = ? AND a.attname = ? AND NOT a.attisdropped")) {
			statement.setString(1, this.table.schema().name());
			statement.setString(2, table);
			statement.setString(3, column);
			try (ResultSet rs = statement.executeQuery()) {
				return rs.next();
			}
		}
	}

	/**
	 * Checks that the schema exists, which the DDL does not create: without the check a
	 * missing schema fails the first statement with an error that names no setting, and
	 * {@link #validate} would ask for tables that cannot be created as asked.
	 */
	private void requireSchema(Connection connection) throws SQLException {
		try (PreparedStatement statement = connection
			.prepareStatement("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ?")) {
			statement.setString(1, this.table.schema().name());
			try (ResultSet rs = statement.executeQuery()) {
				if (!rs.next()) {
					throw new MissingSchemaException(this.table.schema(), connection.getCatalog());
				}
			}
		}
	}

	private boolean tableExists(Connection connection, String name) throws SQLException {
		try (PreparedStatement statement = connection
			.prepareStatement("SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = ? AND tablename = ?")) {
			statement.setString(1, this.table.schema().name());
			statement.setString(2, name);
			try (ResultSet rs = statement.executeQuery()) {
				return rs.next();
			}
		}
	}

	/**
	 * Returns the statement that creates a partition's publication: insert-only, and on
	 * PostgreSQL 15 and later filtered to the partition's rows (before 15 every slot
	 * decodes every row and the relay drops the other partitions').
	 */
	private String publicationStatement(OutboxPartition partition, boolean rowFilters) {
		String table = this.table.qualified();
		if (partition.filtered() && rowFilters) {
			table += " WHERE (partition_key = " + partition.literal() + ")";
		}
		return "CREATE PUBLICATION " + partition.publication().quoted() + " FOR TABLE " + table
				+ " WITH (publish = 'insert')";
	}

	private boolean publicationExists(Connection connection, SqlIdentifier publication) throws SQLException {
		try (PreparedStatement statement = connection
			.prepareStatement("SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = ?")) {
			statement.setString(1, publication.name());
			try (ResultSet rs = statement.executeQuery()) {
				return rs.next();
			}
		}
	}

	private static String readResource() {
		try (InputStream in = OutboxSchema.class.getClassLoader().getResourceAsStream(DDL_RESOURCE)) {
			if (in == null) {
				throw new IllegalStateException("Classpath resource " + DDL_RESOURCE + " is missing");
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
