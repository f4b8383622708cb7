package dev.pgoutbox.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What is committed: counted on a connection of its own, outside the application's pool,
 * so that neither the application's transaction nor its pool's settings show through.
 */
public final class Committed {

	private Committed() {
	}

	/** The number of committed rows in a table of the target's database. */
	public static long rows(OutboxContexts.Target target, String table) {
		try (Connection connection = DriverManager.getConnection(target.url(), TestPostgres.server().username(),
				TestPostgres.server().password());
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT count(*) FROM " + table)) {
			rs.next();
			return rs.getLong(1);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not count the rows of " + table, ex);
		}
	}

}
