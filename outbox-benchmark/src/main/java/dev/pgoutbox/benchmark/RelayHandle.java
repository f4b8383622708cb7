package dev.pgoutbox.benchmark;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.autoconfigure.OutboxRelayLifecycle;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayState;

/**
 * A relay as an application gets it: the starter's auto-configuration in a Spring Boot
 * context of its own, configured through {@code outbox.*} properties, with the
 * benchmark's {@link MessagePublisher} as the one publisher bean.
 */
final class RelayHandle implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private RelayHandle(ConfigurableApplicationContext context) {
		this.context = context;
	}

	/**
	 * Starts a context, and with it the relay, on the workspace's slot.
	 * @param extra properties on top of the workspace's, such as
	 * {@code outbox.delivery.concurrency}
	 */
	static RelayHandle start(Workspace workspace, MessagePublisher publisher, Map<String, Object> extra) {
		Map<String, Object> properties = new LinkedHashMap<>();
		// the Kafka module is on the benchmark's class path for the kafka scenario only
		properties.put("outbox.kafka.enabled", "false");
		properties.putAll(extra);
		return startWith(workspace, properties,
				(context) -> context.registerBean(MessagePublisher.class, () -> publisher));
	}

	/**
	 * Starts a context with the beans {@code beans} registers (handlers, publishers,
	 * post-processors) in place of the one publisher bean of
	 * {@link #start(Workspace, MessagePublisher, Map)}.
	 * @param extra properties on top of the workspace's
	 */
	static RelayHandle startWith(Workspace workspace, Map<String, Object> extra,
			Consumer<GenericApplicationContext> beans) {
		Map<String, Object> properties = new LinkedHashMap<>(workspace.relayProperties());
		properties.put("spring.jmx.enabled", "false");
		properties.putAll(extra);
		ConfigurableApplicationContext context = new SpringApplicationBuilder(RelayApplication.class)
			.web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.registerShutdownHook(false)
			.properties(properties)
			.initializers((initialized) -> beans.accept((GenericApplicationContext) initialized))
			.run();
		return new RelayHandle(context);
	}

	/**
	 * Starts a relay until it streams, then stops it: creates the outbox schema and the
	 * slot before a backlog is written, so that the backlog is read from the WAL.
	 */
	static void prepareSlot(Workspace workspace, Map<String, Object> extra) {
		try (RelayHandle relay = start(workspace, (message) -> {
		}, extra)) {
			relay.awaitRunning(Duration.ofSeconds(60));
		}
	}

	Relay relay() {
		return this.context.getBean(OutboxRelayLifecycle.class).getRelay();
	}

	void awaitRunning(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (relay() == null || relay().state() != RelayState.RUNNING) {
			if (System.nanoTime() > deadline) {
				Relay relay = relay();
				throw new IllegalStateException("The relay did not start streaming within " + timeout + ": "
						+ ((relay != null) ? relay.state() + ", last error " + relay.lastError() : "not created"));
			}
			Pause.millis(10);
		}
	}

	/**
	 * Stops the relay and leaves the rest of the context, the writers' beans, running.
	 */
	void stopRelay() {
		this.context.getBean(OutboxRelayLifecycle.class).stop();
	}

	/** Starts a new relay on the same slot, in the context that is already warm. */
	void startRelay() {
		this.context.getBean(OutboxRelayLifecycle.class).start();
	}

	/**
	 * Starts a context whose relay creates the outbox schema and the slot, then stops the
	 * relay: a backlog written next is read from the WAL when {@link #startRelay()} is
	 * called, by a relay whose context started well before (its JIT compilation does not
	 * overlap the measurement).
	 */
	static RelayHandle startIdle(Workspace workspace, MessagePublisher publisher, Map<String, Object> extra) {
		return idle(start(workspace, publisher, extra));
	}

	/**
	 * As {@link #startIdle(Workspace, MessagePublisher, Map)}, with the beans
	 * {@code beans} registers, as {@link #startWith} does.
	 */
	static RelayHandle startIdleWith(Workspace workspace, Map<String, Object> extra,
			Consumer<GenericApplicationContext> beans) {
		return idle(startWith(workspace, extra, beans));
	}

	private static RelayHandle idle(RelayHandle handle) {
		try {
			handle.awaitRunning(Duration.ofSeconds(60));
			handle.stopRelay();
			return handle;
		}
		catch (RuntimeException ex) {
			handle.close();
			throw ex;
		}
	}

	OutboxPublisher outboxPublisher() {
		return this.context.getBean(OutboxPublisher.class);
	}

	TransactionTemplate transactions() {
		return new TransactionTemplate(this.context.getBean(PlatformTransactionManager.class));
	}

	JdbcTemplate jdbc() {
		return this.context.getBean(JdbcTemplate.class);
	}

	<T> T bean(Class<T> type) {
		return this.context.getBean(type);
	}

	@Override
	public void close() {
		this.context.close();
	}

	/** The application: nothing but auto-configuration. */
	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class RelayApplication {

	}

}
