package dev.pgoutbox.kafka;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.io.support.SpringFactoriesLoader.FailureHandler;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxHandler;
import dev.pgoutbox.OutboxMessage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The publisher's bean and the startup errors of bad settings, with Boot's Kafka
 * auto-configuration and no broker: nothing here connects.
 */
class OutboxKafkaAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, OutboxKafkaAutoConfiguration.class))
		.withPropertyValues("spring.kafka.bootstrap-servers=localhost:1");

	@Test
	void publisherSendsWithAnIdempotentAcksAllProducerDerivedFromTheApplications() {
		this.runner
			.withPropertyValues("spring.kafka.producer.client-id=clinic",
					"spring.kafka.producer.transaction-id-prefix=tx-", "outbox.kafka.send-timeout=5s",
					"outbox.kafka.producer.[linger.ms]=7")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(MessagePublisher.class);
				assertThat(context.getBean("outboxKafkaPublisher")).isInstanceOf(KafkaMessagePublisher.class);
				Map<String, Object> config = context.getBean(KafkaMessagePublisher.class).producerConfiguration();
				assertThat(config.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)).hasToString("[localhost:1]");
				assertThat(config.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG)).hasToString("true");
				assertThat(config).containsEntry(ProducerConfig.CLIENT_ID_CONFIG, "clinic")
					.containsEntry(ProducerConfig.ACKS_CONFIG, "all")
					.containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000")
					.containsEntry(ProducerConfig.LINGER_MS_CONFIG, "7")
					.containsEntry(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class)
					.containsEntry(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class)
					.doesNotContainKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
			});
	}

	@Test
	void maxBlockIsCappedAtTheSendTimeout() {
		this.runner
			.withPropertyValues("spring.kafka.producer.properties.max.block.ms=60000", "outbox.kafka.send-timeout=4s")
			.run((context) -> assertThat(context.getBean(KafkaMessagePublisher.class).producerConfiguration())
				.containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, "4000"));
	}

	@Test
	void isTheHandlerKafkaBesideTheApplicationsOwnPublisher() {
		MessagePublisher own = (OutboxMessage message) -> {
		};
		this.runner.withBean("ownPublisher", MessagePublisher.class, () -> own).run((context) -> {
			assertThat(context).hasSingleBean(KafkaMessagePublisher.class);
			assertThat(context.getBean("outboxKafkaHandler", OutboxHandler.class).name()).isEqualTo("kafka");
			assertThat(context.getBean("outboxKafkaHandler", OutboxHandler.class).publisher())
				.isSameAs(context.getBean(KafkaMessagePublisher.class));
		});
	}

	@Test
	void disabledLeavesNoPublisher() {
		this.runner.withPropertyValues("outbox.kafka.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(MessagePublisher.class));
	}

	@Test
	void sendTimeoutMustBeShorterThanThePublishTimeout() {
		fails("'outbox.kafka.send-timeout' (PT30S) must be shorter than 'outbox.delivery.publish-timeout' (PT30S)",
				"outbox.kafka.send-timeout=30s");
		fails("'outbox.kafka.send-timeout' (PT15S) must be shorter than 'outbox.delivery.publish-timeout' (PT10S)",
				"outbox.kafka.send-timeout=15s", "outbox.delivery.publish-timeout=10s");
		this.runner.withPropertyValues("outbox.kafka.send-timeout=50s", "outbox.delivery.publish-timeout=1m")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void sendTimeoutMustBePositive() {
		fails("'outbox.kafka.send-timeout' must be positive, not PT0S", "outbox.kafka.send-timeout=0s");
		fails("'outbox.kafka.send-timeout' must be positive, not PT-1S", "outbox.kafka.send-timeout=-1s");
	}

	@Test
	void topicTemplateThatCanNeverBeValidFailsStartup() {
		fails("'outbox.kafka.topic' is 'orders {type}', and Kafka allows only ASCII letters, digits, '.', '_' and '-'"
				+ " in a topic name, not ' '", "outbox.kafka.topic=orders {type}");
		fails("'{kind}' is not one of its placeholders {type} and {partition}", "outbox.kafka.topic=orders.{kind}");
		fails("'{type' is not one of its placeholders", "outbox.kafka.topic=orders.{type");
		fails("and Kafka does not allow '.' or '..' as a topic name", "outbox.kafka.topic=..");
		fails("which yields topic names of 250 characters or more", "outbox.kafka.topic=" + "t".repeat(249) + "{type}");
		fails("'outbox.kafka.topics' gives type 'OrderPlaced' the topic 'orders/placed', and Kafka allows only",
				"outbox.kafka.topics.[OrderPlaced]=orders/placed");
	}

	@Test
	void producerSettingsThatContradictTheGuaranteesFailStartup() {
		fails("The outbox's Kafka producer has acks=1, but it needs all", "spring.kafka.producer.acks=1");
		fails("has acks=0, but it needs all", "spring.kafka.producer.acks=1", "outbox.kafka.producer.acks=0");
		fails("has enable.idempotence=false, but it needs true",
				"spring.kafka.producer.properties.enable.idempotence=false");
		fails("has max.in.flight.requests.per.connection=6, but it needs at most 5",
				"spring.kafka.producer.properties.max.in.flight.requests.per.connection=6");
		fails("has retries=0, but it needs more than 0", "spring.kafka.producer.retries=0");
		// the outbox's producer may have its own settings where the application's differ
		this.runner.withPropertyValues("spring.kafka.producer.acks=1", "outbox.kafka.producer.acks=all")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void headerNamesMustBeGivenAndDiffer() {
		fails("'outbox.kafka.id-header' must not be blank", "outbox.kafka.id-header= ");
		fails("'outbox.kafka.id-header' and 'outbox.kafka.type-header' are both 'x'", "outbox.kafka.id-header=x",
				"outbox.kafka.type-header=x");
	}

	@Test
	void startupFailuresAreReportedWithWhatToDoByTheStartersFailureAnalyzer() {
		this.runner.withPropertyValues("spring.kafka.producer.acks=1").run((context) -> {
			FailureAnalysis analysis = analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains("The outbox's Kafka producer has acks=1, but it needs all");
			assertThat(analysis.getAction()).contains("outbox.kafka.producer.[acks]");
		});
		this.runner.withPropertyValues("outbox.kafka.topic=a{nothing}").run((context) -> {
			FailureAnalysis analysis = analyze(context.getStartupFailure());
			assertThat(analysis.getDescription())
				.startsWith("Invalid outbox.kafka configuration: 'outbox.kafka.topic'");
			assertThat(analysis.getAction()).contains("docs/kafka.md");
		});
		this.runner.withPropertyValues("outbox.kafka.send-timeout=40s").run((context) -> {
			FailureAnalysis analysis = analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains("must be shorter than 'outbox.delivery.publish-timeout'");
			assertThat(analysis.getAction())
				.isEqualTo("Lower outbox.kafka.send-timeout or raise outbox.delivery.publish-timeout.");
		});
	}

	/**
	 * Analyzes a startup failure as Spring Boot does when an application fails to start:
	 * with the failure analyzers registered on the class path.
	 */
	static FailureAnalysis analyze(Throwable failure) {
		assertThat(failure).isNotNull();
		List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation()
			.load(FailureAnalyzer.class, FailureHandler.handleMessage((message, ex) -> {
				// an analyzer that needs the application's bean factory is not needed
				// here
			}));
		return analyzers.stream()
			.map((analyzer) -> analyzer.analyze(failure))
			.filter(Objects::nonNull)
			.findFirst()
			.orElseThrow(() -> new AssertionError("No failure analyzer reports " + failure));
	}

	private void fails(String message, String... properties) {
		this.runner.withPropertyValues(properties).run((context) -> {
			assertThat(context).as("context with %s", String.join(", ", properties)).hasFailed();
			assertThat(context.getStartupFailure()).rootCause().message().contains(message);
		});
	}

}
