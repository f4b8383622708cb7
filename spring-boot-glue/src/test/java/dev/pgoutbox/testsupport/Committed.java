package dev.pgoutbox.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What is committed: counted on a connection of its own, outside the application's pool,
 * so that neither the application's transaction nor its pool's settings show through.
 */
public final class Committed {

	private Committed() {
	}

	/** The number of committed rows in a table of the target's database. */
	public static long rows(OutboxContexts.Target target, String table) {
		return count(target, "SELECT count(*) FROM " + table, "the rows of " + table);
	}

	/**
	 * The number of committed logical decoding messages with the prefix that a pgoutput
	 * slot, created before they were written, holds: logical decoding yields a
	 * transactional message only once its transaction committed. Peeks, so the slot keeps
	 * them.
	 */
	public static long walMessages(OutboxContexts.Target target, String slot, String prefix) {
		// in pgoutput's Message record the prefix starts after the tag, flags and LSN
		return count(target,
				"SELECT count(*) FROM pg_logical_slot_peek_binary_changes('" + slot + "', NULL, NULL, "
						+ "'proto_version', '1', 'publication_names', 'outbox_pub', 'messages', 'true') "
						+ "WHERE get_byte(data, 0) = ascii('M') AND position(convert_to('" + prefix
						+ "', 'UTF8') IN data) = 11",
				"the messages of slot " + slot);
	}

	/**
	 * The content sizes, in bytes and commit order, of the committed logical decoding
	 * messages with the prefix that a pgoutput slot, created before they were written,
	 * holds: what the WAL carries of each. Peeks, so the slot keeps them.
	 */
	public static List<Integer> walMessageSizes(OutboxContexts.Target target, String slot, String prefix) {
		// a Message record is tag, flags, LSN (10 bytes), the prefix and its NUL, the
		// content's Int32 length (4 bytes) and the content
		String sql = "SELECT length(data) - 15 - octet_length(convert_to('" + prefix + "', 'UTF8')) "
				+ "FROM pg_logical_slot_peek_binary_changes('" + slot + "', NULL, NULL, "
				+ "'proto_version', '1', 'publication_names', 'outbox_pub', 'messages', 'true') "
				+ "WHERE get_byte(data, 0) = ascii('M') AND position(convert_to('" + prefix
				+ "', 'UTF8') IN data) = 11 ORDER BY lsn";
		try (Connection connection = DriverManager.getConnection(target.url(), TestPostgres.server().username(),
				TestPostgres.server().password());
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery(sql)) {
			List<Integer> sizes = new ArrayList<>();
			while (rs.next()) {
				sizes.add(rs.getInt(1));
			}
			return sizes;
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not read the messages of slot " + slot, ex);
		}
	}

	private static long count(OutboxContexts.Target target, String sql, String what) {
		try (Connection connection = DriverManager.getConnection(target.url(), TestPostgres.server().username(),
				TestPostgres.server().password());
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery(sql)) {
			rs.next();
			return rs.getLong(1);
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not count " + what, ex);
		}
	}

}
