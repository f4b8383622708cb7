package dev.pgoutbox.autoconfigure.health;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

import dev.pgoutbox.autoconfigure.OutboxAutoConfiguration;
import dev.pgoutbox.autoconfigure.OutboxProperties;
import dev.pgoutbox.autoconfigure.OutboxStatusReader;

/**
 * Auto-configuration of the outbox's health indicator, {@code /actuator/health/outbox}.
 */
@AutoConfiguration(after = OutboxAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(OutboxStatusReader.class)
@ConditionalOnEnabledHealthIndicator("outbox")
public class OutboxHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "outboxHealthIndicator")
	OutboxHealthIndicator outboxHealthIndicator(OutboxStatusReader reader, OutboxProperties properties) {
		return new OutboxHealthIndicator(reader, properties);
	}

}
