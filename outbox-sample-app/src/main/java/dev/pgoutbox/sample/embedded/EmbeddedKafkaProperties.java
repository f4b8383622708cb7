package dev.pgoutbox.sample.embedded;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the embedded Kafka broker.
 *
 * @param dataDir Directory where the broker keeps its logs and metadata, kept between
 * runs.
 * @param port Port clients connect to, 0 for a free one.
 */
@ConfigurationProperties("sample.embedded-kafka")
record EmbeddedKafkaProperties(@DefaultValue("target/embedded-kafka") Path dataDir, @DefaultValue("9092") int port) {
}
