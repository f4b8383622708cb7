package dev.pgoutbox.sample.embedded;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the embedded PostgreSQL.
 *
 * @param dataDir Directory where the server keeps its data, kept between runs.
 * @param port Port to listen on, 0 for a free one.
 */
@ConfigurationProperties("sample.embedded-postgres")
record EmbeddedPostgresProperties(@DefaultValue("target/embedded-postgres") Path dataDir, @DefaultValue("0") int port) {
}
