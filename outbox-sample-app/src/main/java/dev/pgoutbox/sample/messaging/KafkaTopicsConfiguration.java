package dev.pgoutbox.sample.messaging;

import java.util.Arrays;
import java.util.List;

import org.apache.kafka.clients.admin.NewTopic;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;

import dev.pgoutbox.sample.clinic.MedicineAssigned;
import dev.pgoutbox.sample.clinic.MedicineFinished;

/**
 * Creates the topics of the clinic's events at startup, where they do not exist yet.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SampleKafkaProperties.class)
public class KafkaTopicsConfiguration {

	/** The message types the clinic publishes. */
	public static final List<String> CLINIC_EVENT_TYPES = List.of(MedicineAssigned.TYPE, MedicineFinished.TYPE);

	@Bean
	KafkaAdmin.NewTopics clinicTopics(SampleKafkaProperties properties) {
		return new KafkaAdmin.NewTopics(Arrays.stream(properties.topicsFor(CLINIC_EVENT_TYPES))
			.map((name) -> TopicBuilder.name(name).partitions(properties.partitions()).build())
			.toArray(NewTopic[]::new));
	}

}
