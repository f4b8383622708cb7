package dev.pgoutbox.autoconfigure;

import java.util.function.Supplier;

import dev.pgoutbox.replication.ReplicationConnector.Credentials;

/**
 * Where and as whom the application's data source logs in, as the Boot line's connection
 * details tell it; the credentials are asked for at each connection, so that rotated
 * passwords keep working.
 *
 * @param url the JDBC URL, may be {@code null} if unknown
 * @param credentials gives the current login, not {@code null}
 */
record DataSourceLogin(String url, Supplier<Credentials> credentials) {
}
