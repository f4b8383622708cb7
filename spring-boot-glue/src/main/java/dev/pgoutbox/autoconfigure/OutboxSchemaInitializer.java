package dev.pgoutbox.autoconfigure;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.sql.init.DatabaseInitializationMode;

import dev.pgoutbox.schema.MissingSchemaException;
import dev.pgoutbox.schema.OutboxSchema;
import dev.pgoutbox.schema.OutboxSchemaException;

/**
 * Checks at startup that the server can feed the outbox ({@code wal_level=logical}), then
 * creates the outbox schema or checks that it exists, as configured. A database
 * initializer in Boot's sense ({@link OutboxSchemaInitializerDetector}): it runs after
 * Flyway and Liquibase, and beans that depend on database initialization wait for it.
 */
public class OutboxSchemaInitializer implements InitializingBean {

	private static final Logger logger = LoggerFactory.getLogger(OutboxSchemaInitializer.class);

	private final DataSource dataSource;

	private final OutboxSchema schema;

	private final DatabaseInitializationMode mode;

	public OutboxSchemaInitializer(DataSource dataSource, OutboxSchema schema, DatabaseInitializationMode mode) {
		this.dataSource = dataSource;
		this.schema = schema;
		this.mode = mode;
	}

	@Override
	public void afterPropertiesSet() throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			checkWalLevel(connection);
			if (this.mode == DatabaseInitializationMode.ALWAYS) {
				this.schema.create(connection);
				logger.debug("Outbox schema ready");
			}
			else {
				this.schema.validate(connection);
			}
		}
		catch (MissingSchemaException ex) {
			throw new OutboxStartupException(
					"The outbox's tables belong in the schema '" + ex.getSchema()
							+ "' (outbox.schema), which does not exist in the database '" + ex.getDatabase()
							+ "'. The outbox creates its tables and publication, never the schema that holds them.",
					"Create the schema (CREATE SCHEMA \"" + ex.getSchema()
							+ "\"), or point outbox.schema at an existing schema, such as public.",
					ex);
		}
		catch (OutboxSchemaException ex) {
			throw new OutboxStartupException(ex.getMessage(), "Apply the outbox DDL (classpath resource "
					+ OutboxSchema.DDL_RESOURCE + ") in a migration, or set outbox.initialize-schema=always.", ex);
		}
	}

	private static void checkWalLevel(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SHOW wal_level")) {
			String level = rs.next() ? rs.getString(1) : null;
			if (!"logical".equals(level)) {
				throw new OutboxStartupException(
						"The outbox reads PostgreSQL's write-ahead log through logical replication, but the server "
								+ "runs with wal_level=" + level + ".",
						"Set wal_level = logical in postgresql.conf (or ALTER SYSTEM SET wal_level = logical) and "
								+ "restart PostgreSQL. On Amazon RDS/Aurora set rds.logical_replication = 1 in the "
								+ "parameter group; on Google Cloud SQL set the flag cloudsql.logical_decoding = on; on "
								+ "Azure Database for PostgreSQL set wal_level = logical in the server parameters.");
			}
		}
	}

}
