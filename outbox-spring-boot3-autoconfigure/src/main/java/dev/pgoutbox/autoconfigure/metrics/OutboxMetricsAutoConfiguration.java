package dev.pgoutbox.autoconfigure.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.pgoutbox.autoconfigure.OutboxAutoConfiguration;
import dev.pgoutbox.autoconfigure.OutboxProperties;
import dev.pgoutbox.autoconfigure.OutboxRelayLifecycle;
import dev.pgoutbox.autoconfigure.OutboxStatusReader;
import dev.pgoutbox.replication.SlotMonitor;
import dev.pgoutbox.schema.OutboxPartition;

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
		// the health check's monitors: one bounded read at a time per slot, shared
		Map<OutboxPartition, SlotMonitor> monitors = new LinkedHashMap<>();
		for (OutboxPartition partition : reader.partitions()) {
			monitors.put(partition, reader.monitor(partition.key()));
		}
		return new OutboxMetrics(lifecycle, monitors, properties.getMetrics().isTypeTag(),
				properties.getMetrics().getSlotRefreshInterval());
	}

}
