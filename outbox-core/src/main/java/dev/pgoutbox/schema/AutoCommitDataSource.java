package dev.pgoutbox.schema;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The application's data source as the engine uses it: every connection it hands out
 * commits each statement, whatever the pool's default. A pool tuned to hand out
 * connections with auto-commit off (a common JPA setting) would otherwise roll back the
 * engine's cleanup, heartbeats and slot records when they go back to the pool. Work that
 * needs a transaction turns auto-commit off and back on itself.
 */
public final class AutoCommitDataSource implements DataSource {

	private final DataSource dataSource;

	private AutoCommitDataSource(DataSource dataSource) {
		this.dataSource = dataSource;
	}

	/**
	 * Wraps a data source, unless it is wrapped already.
	 * @param dataSource the application's data source, not {@code null}
	 * @return the wrapper
	 */
	public static DataSource of(DataSource dataSource) {
		if (dataSource == null) {
			throw new IllegalArgumentException("'dataSource' must not be null");
		}
		return (dataSource instanceof AutoCommitDataSource) ? dataSource : new AutoCommitDataSource(dataSource);
	}

	@Override
	public Connection getConnection() throws SQLException {
		return autoCommitting(this.dataSource.getConnection());
	}

	@Override
	public Connection getConnection(String username, String password) throws SQLException {
		return autoCommitting(this.dataSource.getConnection(username, password));
	}

	private static Connection autoCommitting(Connection connection) throws SQLException {
		try {
			if (!connection.getAutoCommit()) {
				connection.setAutoCommit(true);
			}
			return connection;
		}
		catch (SQLException | RuntimeException ex) {
			connection.close();
			throw ex;
		}
	}

	@Override
	public PrintWriter getLogWriter() throws SQLException {
		return this.dataSource.getLogWriter();
	}

	@Override
	public void setLogWriter(PrintWriter out) throws SQLException {
		this.dataSource.setLogWriter(out);
	}

	@Override
	public void setLoginTimeout(int seconds) throws SQLException {
		this.dataSource.setLoginTimeout(seconds);
	}

	@Override
	public int getLoginTimeout() throws SQLException {
		return this.dataSource.getLoginTimeout();
	}

	@Override
	public Logger getParentLogger() throws SQLFeatureNotSupportedException {
		return this.dataSource.getParentLogger();
	}

	@Override
	public <T> T unwrap(Class<T> type) throws SQLException {
		return type.isInstance(this) ? type.cast(this) : this.dataSource.unwrap(type);
	}

	@Override
	public boolean isWrapperFor(Class<?> type) throws SQLException {
		return type.isInstance(this) || this.dataSource.isWrapperFor(type);
	}

}
