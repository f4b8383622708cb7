package dev.pgoutbox.amqp;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.AcknowledgeMode;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;

import dev.pgoutbox.DeliveryListener;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.autoconfigure.OutboxAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end: messages written through {@link OutboxPublisher} in PostgreSQL, relayed
 * from the WAL by the outbox and published by the auto-configured
 * {@link AmqpMessagePublisher} to a real broker, read back from its queues.
 */
class AmqpOutboxIntegrationTests {

	private static final Pattern SEQUENCE = Pattern.compile("\"seq\":(\\d+)");

	private static QpidBroker broker;

	private static CachingConnectionFactory admin;

	@BeforeAll
	static void startBroker() {
		broker = QpidBroker.start();
		admin = connectionFactory(broker.port());
	}

	@AfterAll
	static void stopBroker() {
		admin.destroy();
		broker.stop();
	}

	private static CachingConnectionFactory connectionFactory(int port) {
		CachingConnectionFactory factory = new CachingConnectionFactory("127.0.0.1", port);
		factory.setUsername(QpidBroker.USERNAME);
		factory.setPassword(QpidBroker.PASSWORD);
		return factory;
	}

	private static ApplicationContextRunner runner(QpidBroker target) {
		TestPostgres.Target database = TestPostgres.newTarget();
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
					DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
					JacksonAutoConfiguration.class, RabbitAutoConfiguration.class, OutboxAmqpAutoConfiguration.class,
					OutboxAutoConfiguration.class))
			.withPropertyValues(target.springProperties())
			.withPropertyValues("spring.rabbitmq.publisher-confirm-type=correlated",
					"spring.rabbitmq.publisher-returns=true", "spring.datasource.url=" + database.url(),
					"spring.datasource.username=postgres", "outbox.replication.slot-name=" + database.slot(),
					"outbox.replication.status-interval=200ms", "outbox.replication.reconnect-max-delay=1s",
					"outbox.delivery.retry.initial-delay=20ms", "outbox.delivery.retry.max-delay=200ms",
					"outbox.cleanup.interval=100ms", "outbox.shutdown-timeout=5s");
	}

	private static Queue bind(CachingConnectionFactory factory, String exchange, String queue, String pattern) {
		RabbitAdmin rabbitAdmin = new RabbitAdmin(factory);
		TopicExchange topic = new TopicExchange(exchange);
		rabbitAdmin.declareExchange(topic);
		Queue declared = QueueBuilder.durable(queue).build();
		rabbitAdmin.declareQueue(declared);
		rabbitAdmin.declareBinding(BindingBuilder.bind(declared).to(topic).with(pattern));
		return declared;
	}

	private static List<Message> receive(String queue, int count) {
		RabbitTemplate template = new RabbitTemplate(admin);
		List<Message> received = new ArrayList<>();
		Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
			for (Message message = template.receive(queue); message != null; message = template.receive(queue)) {
				received.add(message);
			}
			return received.size() >= count;
		});
		return received;
	}

	private static int sequence(Message message) {
		Matcher matcher = SEQUENCE.matcher(new String(message.getBody(), StandardCharsets.UTF_8));
		assertThat(matcher.find()).isTrue();
		return Integer.parseInt(matcher.group(1));
	}

	@Test
	void everyMessageIsRoutedWithItsPropertiesAndHeaders() {
		bind(admin, "orders", "mapped.orders", "order.#");
		bind(admin, "billing", "mapped.billing", "#");
		runner(broker)
			.withPropertyValues("outbox.amqp.exchange=orders", "outbox.amqp.routing-key={type}.{key}",
					"outbox.amqp.types.[invoice.sent].exchange=billing",
					"outbox.amqp.types.[invoice.sent].routing-key=invoices.{partition}")
			.run((context) -> {
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				UUID order = outbox.publish("order.placed", "customer-7", Map.of("seq", 1),
						Map.of("trace", "abc", "tenant", "t1"));
				UUID invoice = outbox.publish("invoice.sent", "customer-7", Map.of("seq", 2));

				Message orderMessage = receive("mapped.orders", 1).get(0);
				MessageProperties properties = orderMessage.getMessageProperties();
				assertThat(properties.getMessageId()).isEqualTo(order.toString());
				assertThat(properties.getType()).isEqualTo("order.placed");
				assertThat(properties.getContentType()).isEqualTo("application/json");
				assertThat(properties.getContentEncoding()).isEqualTo("UTF-8");
				assertThat(properties.getReceivedDeliveryMode()).isEqualTo(MessageDeliveryMode.PERSISTENT);
				assertThat(properties.getReceivedExchange()).isEqualTo("orders");
				assertThat(properties.getReceivedRoutingKey()).isEqualTo("order.placed.customer-7");
				assertThat(properties.<String>getHeader("trace")).isEqualTo("abc");
				assertThat(properties.<String>getHeader("tenant")).isEqualTo("t1");
				assertThat(properties.<String>getHeader(AmqpMessagePublisher.KEY_HEADER)).isEqualTo("customer-7");
				assertThat(properties.<String>getHeader(AmqpMessagePublisher.PARTITION_HEADER)).isEqualTo("default");
				Instant committedAt = Instant
					.parse(properties.<String>getHeader(AmqpMessagePublisher.COMMITTED_AT_HEADER));
				// AMQP carries the timestamp in whole seconds
				assertThat(properties.getTimestamp().toInstant().getEpochSecond())
					.isEqualTo(committedAt.getEpochSecond());
				assertThat(new String(orderMessage.getBody(), StandardCharsets.UTF_8)).isEqualTo("{\"seq\":1}");

				Message invoiceMessage = receive("mapped.billing", 1).get(0);
				assertThat(invoiceMessage.getMessageProperties().getMessageId()).isEqualTo(invoice.toString());
				assertThat(invoiceMessage.getMessageProperties().getReceivedExchange()).isEqualTo("billing");
				assertThat(invoiceMessage.getMessageProperties().getReceivedRoutingKey()).isEqualTo("invoices.default");
			});
	}

	@Test
	void messagesOfOneKeyArriveInCommitOrder() {
		bind(admin, "outbox", "ordered", "ordered.#");
		int keys = 6;
		int perKey = 50;
		runner(broker).run((context) -> {
			OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
			for (int seq = 0; seq < perKey; seq++) {
				for (int key = 0; key < keys; key++) {
					outbox.publish("ordered.event", "key-" + key, Map.of("seq", seq));
				}
			}
			List<Message> received = receive("ordered", keys * perKey);
			assertThat(received).hasSize(keys * perKey);
			Map<String, List<Integer>> byKey = new LinkedHashMap<>();
			for (Message message : received) {
				byKey
					.computeIfAbsent(message.getMessageProperties().getHeader(AmqpMessagePublisher.KEY_HEADER),
							(key) -> new ArrayList<>())
					.add(sequence(message));
			}
			assertThat(byKey).hasSize(keys);
			List<Integer> expected = new ArrayList<>();
			for (int seq = 0; seq < perKey; seq++) {
				expected.add(seq);
			}
			byKey.values().forEach((sequences) -> assertThat(sequences).isEqualTo(expected));
		});
	}

	@Test
	void anUnroutableMessageIsRetriedUntilAQueueIsBound() {
		bind(admin, "outbox", "unrelated", "unrelated.#");
		RecordingListener listener = new RecordingListener();
		runner(broker).withBean(RecordingListener.class, () -> listener)
			.withPropertyValues("outbox.delivery.retry.max-attempts=1000")
			.run((context) -> {
				UUID id = context.getBean(OutboxPublisher.class).publish("late.binding", "k", Map.of("seq", 0));
				Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> listener.failures.get() >= 3);
				// RabbitMQ returns an unroutable message, Qpid Broker-J nacks it: retried
				assertThat(listener.lastFailure.get()).isInstanceOf(AmqpException.class)
					.hasMessageContaining("late.binding");
				assertThat(listener.delivered).isEmpty();
				bind(admin, "outbox", "late", "late.#");
				Message message = receive("late", 1).get(0);
				assertThat(message.getMessageProperties().getMessageId()).isEqualTo(id.toString());
				assertThat(listener.parked.get()).isZero();
			});
	}

	@Test
	void nothingIsLostWhenTheBrokerRestartsDuringPublishing() throws Exception {
		int keys = 8;
		int perKey = 80;
		int total = keys * perKey;
		try (QpidBroker restarting = QpidBroker.start()) {
			CachingConnectionFactory consumerFactory = connectionFactory(restarting.port());
			bind(consumerFactory, "outbox", "outage", "outage.#");
			List<Delivery> deliveries = new CopyOnWriteArrayList<>();
			SimpleMessageListenerContainer consumer = new SimpleMessageListenerContainer(consumerFactory);
			consumer.setQueueNames("outage");
			consumer.setAcknowledgeMode(AcknowledgeMode.AUTO);
			consumer.setPrefetchCount(1);
			consumer.setRecoveryInterval(100);
			consumer.setMessageListener((Message message) -> deliveries.add(new Delivery(
					message.getMessageProperties().getHeader(AmqpMessagePublisher.KEY_HEADER), sequence(message),
					message.getMessageProperties().getMessageId(), message.getMessageProperties().isRedelivered())));
			consumer.start();
			RecordingListener listener = new RecordingListener();
			AtomicBoolean writerFailed = new AtomicBoolean();
			long started = System.nanoTime();
			runner(restarting).withBean(RecordingListener.class, () -> listener)
				.withPropertyValues("outbox.delivery.retry.max-attempts=100000")
				.run((context) -> {
					OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
					Thread writer = new Thread(() -> {
						try {
							for (int seq = 0; seq < perKey; seq++) {
								for (int key = 0; key < keys; key++) {
									outbox.publish("outage.event", "key-" + key, Map.of("seq", seq));
								}
							}
						}
						catch (RuntimeException ex) {
							writerFailed.set(true);
							throw ex;
						}
					}, "outbox-writer");
					writer.start();
					Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> deliveries.size() >= total / 4);
					restarting.stop();
					int failuresAtStop = listener.failures.get();
					int deliveredAtStop = deliveries.size();
					// the relay keeps trying while the broker is away
					Awaitility.await()
						.atMost(Duration.ofSeconds(60))
						.until(() -> listener.failures.get() >= failuresAtStop + keys);
					restarting.startAgain();
					writer.join(Duration.ofSeconds(120).toMillis());
					assertThat(writer.isAlive()).isFalse();
					assertThat(writerFailed).isFalse();
					Awaitility.await()
						.atMost(Duration.ofSeconds(180))
						.until(() -> deliveries.stream().map(Delivery::id).distinct().count() == total);
					consumer.stop();

					Set<String> seen = new HashSet<>();
					int publisherDuplicates = 0;
					int redeliveries = 0;
					for (Delivery delivery : deliveries) {
						if (!seen.add(delivery.id())) {
							if (delivery.redelivered()) {
								redeliveries++;
							}
							else {
								publisherDuplicates++;
							}
						}
					}
					Map<String, List<Integer>> byKey = new LinkedHashMap<>();
					for (Delivery delivery : deliveries) {
						List<Integer> sequences = byKey.computeIfAbsent(delivery.key(), (key) -> new ArrayList<>());
						// a duplicate follows its original directly: drop it to see the
						// order
						if (sequences.isEmpty() || sequences.get(sequences.size() - 1) != delivery.seq()) {
							sequences.add(delivery.seq());
						}
					}
					List<Integer> expected = new ArrayList<>();
					for (int seq = 0; seq < perKey; seq++) {
						expected.add(seq);
					}
					System.out.printf(
							"outage figures: %d messages over %d keys, %d delivered before the stop, %d failed "
									+ "publishes, %d deliveries, %d publisher duplicates, %d consumer redeliveries, "
									+ "%d parked, %d ms%n",
							total, keys, deliveredAtStop, listener.failures.get(), deliveries.size(),
							publisherDuplicates, redeliveries, listener.parked.get(),
							Duration.ofNanos(System.nanoTime() - started).toMillis());
					assertThat(byKey).hasSize(keys);
					byKey.values().forEach((sequences) -> assertThat(sequences).isEqualTo(expected));
					// at most the one message in flight per key when the broker went away
					assertThat(publisherDuplicates).isLessThanOrEqualTo(keys);
					// at most the prefetch of the consumer
					assertThat(redeliveries).isLessThanOrEqualTo(1);
					assertThat(listener.parked.get()).isZero();
				});
			consumer.stop();
			consumerFactory.destroy();
		}
	}

	record Delivery(String key, int seq, String id, boolean redelivered) {
	}

	/** Counts what the relay reports of each publish call. */
	static class RecordingListener implements DeliveryListener {

		final AtomicInteger failures = new AtomicInteger();

		final AtomicInteger parked = new AtomicInteger();

		final AtomicReference<Throwable> lastFailure = new AtomicReference<>();

		final List<UUID> delivered = new CopyOnWriteArrayList<>();

		@Override
		public void delivered(OutboxMessage message, Duration duration) {
			this.delivered.add(message.id());
		}

		@Override
		public void failed(OutboxMessage message, Throwable error, int attempt, Duration retryIn) {
			this.lastFailure.set(error);
			this.failures.incrementAndGet();
		}

		@Override
		public void parked(OutboxMessage message, int attempts, Throwable lastError) {
			this.parked.incrementAndGet();
		}

	}

}
