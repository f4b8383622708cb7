package dev.pgoutbox.autoconfigure;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javax.sql.DataSource;

import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.sql.init.dependency.DatabaseInitializationDependencyConfigurer;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import dev.pgoutbox.DeadLetters;
import dev.pgoutbox.DeliveryListener;
import dev.pgoutbox.JsonCodec;
import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxHandler;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.cluster.InstanceRegistry;
import dev.pgoutbox.cluster.PartitionCoordinator;
import dev.pgoutbox.deadletter.JdbcDeadLetters;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.replication.OutboxRelay;
import dev.pgoutbox.replication.RelaySettings;
import dev.pgoutbox.replication.ReplicationPreflight;
import dev.pgoutbox.replication.SlotMonitor;
import dev.pgoutbox.schema.OutboxPartition;
import dev.pgoutbox.schema.OutboxSchema;

/**
 * The outbox's beans, the same on every Spring Boot line: the transaction-joining
 * {@link OutboxPublisher}, the relay that hands committed messages to the application's
 * {@link MessagePublisher}, and the {@link DeadLetters} of messages parked after their
 * last attempt. Each line's {@code OutboxAutoConfiguration} imports it and adds what
 * differs: ordering, the JSON codec, the database login.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(OutboxProperties.class)
@Import(DatabaseInitializationDependencyConfigurer.class)
class OutboxConfiguration {

	@Bean
	@ConditionalOnMissingBean
	OutboxSchema outboxSchema(OutboxProperties properties) {
		return new OutboxSchema(OutboxSettings.table(properties), OutboxSettings.partitions(properties));
	}

	@Bean
	@ConditionalOnMissingBean
	OutboxSchemaInitializer outboxSchemaInitializer(DataSource dataSource, OutboxSchema schema,
			OutboxProperties properties) {
		return new OutboxSchemaInitializer(dataSource, schema, properties.getInitializeSchema());
	}

	@Bean
	@DependsOnDatabaseInitialization
	@ConditionalOnMissingBean(OutboxPublisher.class)
	TransactionalOutboxPublisher outboxPublisher(DataSource dataSource, OutboxProperties properties, JsonCodec json,
			ObjectProvider<ObservationRegistry> observationRegistry, OutboxSchemaInitializer schemaInitializer) {
		long maxPayload = properties.getMaxPayloadSize().toBytes();
		if (maxPayload < 1) {
			throw new OutboxStartupException("Invalid outbox configuration: 'outbox.max-payload-size' must be positive",
					"Correct the value in your application properties (the outbox.* keys).");
		}
		TransactionalOutboxPublisher publisher = new TransactionalOutboxPublisher(dataSource,
				OutboxSettings.writer(properties), json, maxPayload);
		observationRegistry.ifAvailable(publisher::setObservationRegistry);
		return publisher;
	}

	@Bean
	@DependsOnDatabaseInitialization
	@ConditionalOnMissingBean
	DeadLetters outboxDeadLetters(DataSource dataSource, OutboxProperties properties, JsonCodec json,
			OutboxSchemaInitializer schemaInitializer) {
		return new JdbcDeadLetters(dataSource, OutboxSettings.table(properties), json,
				OutboxSettings.writer(properties));
	}

	@Bean
	@DependsOnDatabaseInitialization
	@ConditionalOnMissingBean
	OutboxRelayLifecycle outboxRelayLifecycle(DataSource dataSource, OutboxProperties properties,
			ListableBeanFactory beanFactory, ObjectProvider<DataSourceLogin> dataSourceLogin,
			ObjectProvider<DeliveryListener> deliveryListeners, ObjectProvider<ObservationRegistry> observationRegistry,
			ObjectProvider<OutboxDeliveryObservationConvention> deliveryConvention, JsonCodec json,
			OutboxSchemaInitializer schemaInitializer) {
		List<OutboxHandler> application = OutboxHandlers.of(beanFactory);
		RelaySettings settings = OutboxSettings.relay(properties);
		var connector = ReplicationConnectorFactory.create(properties.getReplication(), dataSource,
				dataSourceLogin.getIfAvailable());
		List<OutboxPartition> partitions = OutboxSettings.partitions(properties);
		List<OutboxHandler> handlers = observed(application, observationRegistry.getIfAvailable(),
				new RelayedPartitions(partitions), deliveryConvention.getIfUnique(),
				properties.getMetrics().isTypeTag());
		// listeners (metrics among them) are looked up at each start, not at bean
		// creation
		Function<OutboxPartition, Relay> relays = (partition) -> new OutboxRelay(settings.forPartition(partition),
				connector, dataSource, handlers,
				CompositeDeliveryListener.of(deliveryListeners.orderedStream().toList()), json);
		ReplicationPreflight preflight = new ReplicationPreflight(connector, dataSource,
				partitions.stream().map(OutboxPartition::slot).toList(), OutboxSettings.table(properties),
				settings.store());
		if (partitions.size() == 1) {
			return new OutboxRelayLifecycle(() -> relays.apply(partitions.get(0)), properties.getShutdownTimeout(),
					preflight);
		}
		OutboxSettings.membership(properties);
		OutboxProperties.Membership membership = properties.getMembership();
		String instanceId = (membership.getInstanceId() != null) ? membership.getInstanceId() : defaultInstanceId();
		PartitionCoordinator coordinator = new PartitionCoordinator(partitions, relays,
				new InstanceRegistry(dataSource, OutboxSettings.table(properties)), instanceId,
				membership.getHeartbeatInterval(), membership.getInstanceTimeout(), properties.getShutdownTimeout());
		return new OutboxRelayLifecycle(coordinator, preflight);
	}

	private static String defaultInstanceId() {
		String host;
		try {
			host = java.net.InetAddress.getLocalHost().getHostName();
		}
		catch (java.net.UnknownHostException ex) {
			host = "instance";
		}
		return host + "-" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFL);
	}

	@Bean
	@ConditionalOnMissingBean
	OutboxStatusReader outboxStatusReader(OutboxRelayLifecycle lifecycle, DataSource dataSource,
			OutboxProperties properties) {
		List<OutboxPartition> partitions = OutboxSettings.partitions(properties);
		Map<String, SlotMonitor> monitors = new LinkedHashMap<>();
		partitions.forEach((partition) -> monitors.put(partition.key(),
				new SlotMonitor(dataSource, partition, OutboxSettings.table(properties))));
		return new OutboxStatusReader(lifecycle, partitions, monitors, properties.getHealth().getMaxLag().toBytes());
	}

	private static List<OutboxHandler> observed(List<OutboxHandler> handlers, ObservationRegistry registry,
			RelayedPartitions partitions, OutboxDeliveryObservationConvention convention, boolean typeTag) {
		if (registry == null || registry.isNoop()) {
			return handlers;
		}
		return handlers.stream()
			.map((handler) -> OutboxHandlers.withPublisher(handler,
					ObservedMessagePublisher.of(handler.name(), handler.publisher(), registry, partitions, convention,
							new DefaultOutboxDeliveryObservationConvention(typeTag))))
			.toList();
	}

}
