package dev.pgoutbox.sample.messaging;

import java.util.List;

import org.apache.kafka.clients.admin.NewTopic;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;

import dev.pgoutbox.kafka.OutboxKafkaProperties;
import dev.pgoutbox.sample.clinic.MedicineAssigned;
import dev.pgoutbox.sample.clinic.MedicineFinished;

/**
 * Creates the topics of the clinic's events at startup, where they do not exist yet: the
 * topics the outbox's Kafka publisher sends them to.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({ SampleKafkaProperties.class, OutboxKafkaProperties.class })
public class KafkaTopicsConfiguration {

	/** The message types the clinic publishes. */
	public static final List<String> CLINIC_EVENT_TYPES = List.of(MedicineAssigned.TYPE, MedicineFinished.TYPE);

	/**
	 * Returns the distinct topics of the clinic's events.
	 * @param outbox the outbox's Kafka settings
	 * @return the topics, each once
	 */
	public static String[] clinicTopics(OutboxKafkaProperties outbox) {
		// the clinic writes to the outbox's default partition only
		return CLINIC_EVENT_TYPES.stream()
			.map((type) -> outbox.topicFor(type, "default"))
			.distinct()
			.toArray(String[]::new);
	}

	@Bean
	KafkaAdmin.NewTopics clinicTopics(SampleKafkaProperties properties, OutboxKafkaProperties outbox) {
		return new KafkaAdmin.NewTopics(List.of(clinicTopics(outbox))
			.stream()
			.map((name) -> TopicBuilder.name(name).partitions(properties.partitions()).build())
			.toArray(NewTopic[]::new));
	}

}
