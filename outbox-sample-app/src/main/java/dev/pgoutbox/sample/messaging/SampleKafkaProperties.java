package dev.pgoutbox.sample.messaging;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Kafka topics the sample creates; where its events go is {@code outbox.kafka.topic}
 * and {@code outbox.kafka.topics}, read by the outbox's Kafka publisher.
 *
 * @param partitions Number of partitions of the topics the sample creates.
 */
@ConfigurationProperties("sample.kafka")
public record SampleKafkaProperties(@DefaultValue("3") int partitions) {

}
