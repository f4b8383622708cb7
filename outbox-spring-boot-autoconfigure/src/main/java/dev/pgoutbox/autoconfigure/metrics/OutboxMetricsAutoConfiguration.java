package dev.pgoutbox.autoconfigure.metrics;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.context.annotation.Bean;

import dev.pgoutbox.autoconfigure.OutboxAutoConfiguration;
import dev.pgoutbox.autoconfigure.OutboxProperties;
import dev.pgoutbox.autoconfigure.OutboxRelayLifecycle;
import dev.pgoutbox.autoconfigure.OutboxStatusReader;

/**
 * Auto-configuration of the outbox's Micrometer metrics.
 */
@AutoConfiguration(after = { OutboxAutoConfiguration.class, MetricsAutoConfiguration.class,
		CompositeMeterRegistryAutoConfiguration.class })
@ConditionalOnClass({ MeterRegistry.class, MetricsAutoConfiguration.class })
@ConditionalOnBean({ MeterRegistry.class, OutboxRelayLifecycle.class, OutboxStatusReader.class })
public class OutboxMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	OutboxMetrics outboxMetrics(OutboxRelayLifecycle lifecycle, OutboxStatusReader reader,
			OutboxProperties properties) {
		return OutboxMetrics.of(lifecycle, reader, properties);
	}

}
