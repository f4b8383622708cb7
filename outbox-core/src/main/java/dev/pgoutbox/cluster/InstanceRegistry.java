package dev.pgoutbox.cluster;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;

import dev.pgoutbox.schema.AutoCommitDataSource;
import dev.pgoutbox.schema.OutboxTable;
import dev.pgoutbox.schema.SqlIdentifier;

/**
 * The live application instances, as rows with a heartbeat in the table named after the
 * outbox table with the suffix {@code _instances}: PostgreSQL is the membership service.
 *
 * <p>
 * Immutable and thread-safe.
 */
public final class InstanceRegistry {

	private final DataSource dataSource;

	private final String heartbeatSql;

	private final String liveSql;

	private final String removeSql;

	public InstanceRegistry(DataSource dataSource, OutboxTable table) {
		// heartbeats commit on their own, whatever the pool's auto-commit default
		this.dataSource = AutoCommitDataSource.of(dataSource);
		String instances = table.schema().quoted() + "."
				+ new SqlIdentifier(table.table().name() + "_instances").quoted();
		this.heartbeatSql = "INSERT INTO " + instances
				+ " (instance_id, partitions, serving, heartbeat_at, started_at) "
				+ "VALUES (?, ?, ?, now(), now()) ON CONFLICT (instance_id) DO UPDATE "
				+ "SET partitions = EXCLUDED.partitions, serving = EXCLUDED.serving, heartbeat_at = now()";
		// the server's clock judges every heartbeat, so instances' clocks need not agree
		this.liveSql = "SELECT instance_id, partitions, serving FROM " + instances
				+ " WHERE heartbeat_at > now() - make_interval(secs => ?) ORDER BY instance_id";
		this.removeSql = "DELETE FROM " + instances
				+ " WHERE instance_id = ? OR heartbeat_at < now() - interval '1 day'";
	}

	/**
	 * An instance, the partitions it may serve and those it serves now.
	 *
	 * @param id the instance's id
	 * @param partitions the partitions it may serve
	 * @param serving the partitions it serves now
	 */
	record Instance(String id, List<String> partitions, List<String> serving) {

		Instance(String id, List<String> partitions) {
			this(id, partitions, List.of());
		}

	}

	/**
	 * Records that the instance is alive, which partitions it may serve and which it
	 * serves.
	 */
	void heartbeat(String instanceId, List<String> partitions, List<String> serving) throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(this.heartbeatSql)) {
			statement.setString(1, instanceId);
			statement.setString(2, String.join(",", partitions));
			statement.setString(3, String.join(",", serving));
			statement.executeUpdate();
		}
	}

	/**
	 * Returns the instances whose last heartbeat is younger than {@code timeout}, by id.
	 */
	List<Instance> live(Duration timeout) throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(this.liveSql)) {
			statement.setDouble(1, timeout.toMillis() / 1000.0);
			List<Instance> instances = new ArrayList<>();
			try (ResultSet rs = statement.executeQuery()) {
				while (rs.next()) {
					instances.add(new Instance(rs.getString(1), split(rs.getString(2)), split(rs.getString(3))));
				}
			}
			return instances;
		}
	}

	private static List<String> split(String joined) {
		return (joined == null || joined.isEmpty()) ? List.of() : Arrays.asList(joined.split(","));
	}

	/**
	 * Removes the instance, and rows of instances long dead.
	 */
	void remove(String instanceId) throws SQLException {
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement statement = connection.prepareStatement(this.removeSql)) {
			statement.setString(1, instanceId);
			statement.executeUpdate();
		}
	}

}
