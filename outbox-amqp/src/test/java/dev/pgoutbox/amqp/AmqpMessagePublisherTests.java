package dev.pgoutbox.amqp;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.pgoutbox.Lsn;
import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxConfigurationException;
import dev.pgoutbox.OutboxHandler;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.UndeliverableMessageException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The publisher and its auto-configuration against a real broker, called directly: how
 * each broker answer becomes a return, a retried failure or an undeliverable message, and
 * which configurations fail startup.
 */
class AmqpMessagePublisherTests {

	private static QpidBroker broker;

	private static CachingConnectionFactory admin;

	@BeforeAll
	static void startBroker() {
		broker = QpidBroker.start();
		admin = new CachingConnectionFactory("127.0.0.1", broker.port());
		admin.setUsername(QpidBroker.USERNAME);
		admin.setPassword(QpidBroker.PASSWORD);
		RabbitAdmin rabbitAdmin = new RabbitAdmin(admin);
		rabbitAdmin.declareExchange(new TopicExchange("outbox"));
		Queue full = QueueBuilder.durable("direct.full")
			.withArgument("qpid.policy_type", "reject")
			.withArgument("qpid.max_count", 1)
			.build();
		rabbitAdmin.declareQueue(full);
		rabbitAdmin.declareBinding(BindingBuilder.bind(full).to(new TopicExchange("outbox")).with("full.#"));
		Queue confirmed = QueueBuilder.durable("direct.confirmed").build();
		rabbitAdmin.declareQueue(confirmed);
		rabbitAdmin.declareBinding(BindingBuilder.bind(confirmed).to(new TopicExchange("outbox")).with("confirmed.#"));
		Queue plain = QueueBuilder.durable("direct.plain").build();
		rabbitAdmin.declareQueue(plain);
		rabbitAdmin.declareBinding(BindingBuilder.bind(plain).to(new TopicExchange("outbox")).with("plain.#"));
	}

	@AfterAll
	static void stopBroker() {
		admin.destroy();
		broker.stop();
	}

	private ApplicationContextRunner runner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(RabbitAutoConfiguration.class, OutboxAmqpAutoConfiguration.class))
			.withPropertyValues(broker.springProperties())
			.withPropertyValues("spring.rabbitmq.publisher-confirm-type=correlated",
					"spring.rabbitmq.publisher-returns=true");
	}

	private static OutboxMessage message(String type, String key) {
		return new OutboxMessage(UUID.randomUUID(), type, key, "{\"n\":1}", Map.of(), Instant.now(), Lsn.valueOf(1));
	}

	@Test
	void aConfirmedMessageReturns() {
		runner().run((context) -> {
			MessagePublisher publisher = context.getBean("outboxAmqpPublisher", MessagePublisher.class);
			OutboxMessage message = message("confirmed.one", "k");
			publisher.publish(message);
			Message received = new RabbitTemplate(admin).receive("direct.confirmed", 10_000);
			assertThat(received.getMessageProperties().getMessageId()).isEqualTo(message.id().toString());
		});
	}

	@Test
	void anUnroutableMessageFailsTheCallAndIsRetried() {
		runner().run((context) -> {
			MessagePublisher publisher = context.getBean(MessagePublisher.class);
			OutboxMessage message = message("nobody.listens", "k");
			// RabbitMQ returns the message, then acks it; Qpid Broker-J nacks it without
			// a return before the confirm: either way the call fails and is retried
			assertThatThrownBy(() -> publisher.publish(message)).isInstanceOf(AmqpException.class)
				.hasMessageContaining("nobody.listens")
				.satisfies((ex) -> assertThat(UndeliverableMessageException.isUndeliverable(ex)).isFalse());
		});
	}

	@Test
	void aNackFailsTheCallAndIsRetried() {
		runner().run((context) -> {
			MessagePublisher publisher = context.getBean(MessagePublisher.class);
			publisher.publish(message("full.first", "k"));
			// the queue holds one message and rejects the next: the broker nacks it
			assertThatThrownBy(() -> publisher.publish(message("full.second", "k"))).isInstanceOf(AmqpException.class)
				.hasMessageContaining("did not take")
				.satisfies((ex) -> assertThat(UndeliverableMessageException.isUndeliverable(ex)).isFalse());
		});
	}

	@Test
	void aMissingExchangeFailsTheCallAndIsRetried() {
		runner().withPropertyValues("outbox.amqp.exchange=not-declared-yet").run((context) -> {
			MessagePublisher publisher = context.getBean(MessagePublisher.class);
			assertThatThrownBy(() -> publisher.publish(message("plain.one", "k"))).isInstanceOf(AmqpException.class)
				.satisfies((ex) -> assertThat(UndeliverableMessageException.isUndeliverable(ex)).isFalse());
		});
	}

	@Test
	void aNameLongerThanAmqpAllowsIsUndeliverable() {
		runner().withPropertyValues("outbox.amqp.routing-key={type}.{key}").run((context) -> {
			MessagePublisher publisher = context.getBean(MessagePublisher.class);
			assertThatThrownBy(() -> publisher.publish(message("plain.one", "k".repeat(250))))
				.isInstanceOf(UndeliverableMessageException.class)
				.hasMessageContaining("255 bytes");
		});
	}

	@Test
	void aPayloadLargerThanTheMaximumIsUndeliverable() {
		runner().withPropertyValues("outbox.amqp.max-message-size=4B").run((context) -> {
			MessagePublisher publisher = context.getBean(MessagePublisher.class);
			assertThatThrownBy(() -> publisher.publish(message("plain.one", "k")))
				.isInstanceOf(UndeliverableMessageException.class)
				.hasMessageContaining("outbox.amqp.max-message-size");
		});
	}

	@Test
	void noConfirmWithinTheTimeoutFailsTheCall() throws Exception {
		try (FreezingProxy proxy = new FreezingProxy(broker.port())) {
			runner().withPropertyValues("spring.rabbitmq.port=" + proxy.port(), "outbox.amqp.confirm-timeout=1s")
				.run((context) -> {
					MessagePublisher publisher = context.getBean(MessagePublisher.class);
					publisher.publish(message("plain.timeout", "k"));
					// the channel back in the cache: the next publish needs no answer
					// from the broker before its confirm
					CachingConnectionFactory connectionFactory = context.getBean(CachingConnectionFactory.class);
					Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> idleChannels(connectionFactory) > 0);
					proxy.freeze();
					assertThatThrownBy(() -> publisher.publish(message("plain.timeout", "k")))
						.isInstanceOf(TimeoutException.class)
						.hasMessageContaining("within 1000 ms");
					proxy.thaw();
				});
		}
	}

	private static int idleChannels(CachingConnectionFactory connectionFactory) {
		return connectionFactory.getCacheProperties()
			.entrySet()
			.stream()
			.filter((entry) -> "idleChannelsNotTx".equals(entry.getKey()) || "idleChannelsTx".equals(entry.getKey()))
			.mapToInt((entry) -> Integer.parseInt(entry.getValue().toString()))
			.sum();
	}

	@Test
	void startupFailsWithoutConfirmsAndReturns() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(RabbitAutoConfiguration.class, OutboxAmqpAutoConfiguration.class))
			.withPropertyValues(broker.springProperties())
			.run((context) -> {
				assertThat(context).hasFailed()
					.getFailure()
					.rootCause()
					.hasMessageContaining("needs correlated publisher confirms and publisher returns")
					.hasMessageContaining("has neither");
				// what the starter's failure analyzer reports as the action
				assertThat(context.getStartupFailure()).rootCause()
					.asInstanceOf(InstanceOfAssertFactories.type(OutboxConfigurationException.class))
					.extracting(OutboxConfigurationException::getAction)
					.asString()
					.contains("spring.rabbitmq.publisher-confirm-type=correlated",
							"spring.rabbitmq.publisher-returns=true");
			});
	}

	@Test
	void startupFailsWithSimpleConfirms() {
		runner().withPropertyValues("spring.rabbitmq.publisher-confirm-type=simple")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("returns but no correlated confirms"));
	}

	@Test
	void startupFailsOnAnUnknownPlaceholder() {
		runner().withPropertyValues("outbox.amqp.types.[order.placed].routing-key=orders.{tpye}").run((context) -> {
			assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("outbox.amqp.types.[order.placed].routing-key")
				.hasMessageContaining("{tpye}");
			// reported by the starter's failure analyzer, with what to do
			Throwable reported = context.getStartupFailure();
			while (reported != null && !(reported instanceof OutboxConfigurationException)) {
				reported = reported.getCause();
			}
			assertThat(reported).isInstanceOf(OutboxConfigurationException.class)
				.hasMessageStartingWith("Invalid outbox.amqp configuration: ");
			assertThat(((OutboxConfigurationException) reported).getAction()).contains("docs/amqp.md");
		});
	}

	@Test
	void startupFailsOnANonPositiveConfirmTimeout() {
		runner().withPropertyValues("outbox.amqp.confirm-timeout=0s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("outbox.amqp.confirm-timeout"));
	}

	@Test
	void isTheHandlerAmqpBesideTheApplicationsOwnPublisherAndBacksOffWhenDisabled() {
		runner().withBean("mine", MessagePublisher.class, () -> (message) -> {
		}).run((context) -> {
			assertThat(context).hasNotFailed().hasBean("outboxAmqpPublisher");
			assertThat(context.getBean("outboxAmqpHandler", OutboxHandler.class).name()).isEqualTo("amqp");
		});
		runner().withPropertyValues("outbox.amqp.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(AmqpMessagePublisher.class));
	}

}
