package dev.pgoutbox.benchmark;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.HdrHistogram.Histogram;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.support.GenericApplicationContext;

import dev.pgoutbox.AsyncMessagePublisher;
import dev.pgoutbox.OutboxHandler;
import dev.pgoutbox.kafka.KafkaMessagePublisher;

import static dev.pgoutbox.benchmark.ScenarioResult.decimal;

/**
 * The relay with the Kafka module, as auto-configured from Boot's Kafka support
 * ({@code acks=all}, idempotent producer), sending to a KRaft broker in this JVM: the
 * drain of a backlog like the drain scenario's, and commit-to-acknowledgement latency at
 * 1,000 msg/s; beside each, the same with a no-op publisher in the same run.
 *
 * <p>
 * The module's handler bean is decorated, as it leaves the context's factory, by a
 * {@link CountingPublisher} that counts and times each message once the stage the
 * module's asynchronous publisher returned completes, that is once the broker
 * acknowledged the record.
 */
final class KafkaScenario implements Scenario {

	private static final int KEYS = 1_000;

	private static final int PARTITIONS = 3;

	private static final int LATENCY_RATE = 1_000;

	private static final int WARM_UP_SECONDS = 3;

	private static final double TARGET_RATE = 10_000;

	private static final double TARGET_P99_MS = 50;

	private static final Duration TIMEOUT = Duration.ofMinutes(10);

	@Override
	public ScenarioResult run(BenchmarkServer server, BenchmarkOptions options) throws Exception {
		ScenarioResult result = new ScenarioResult("kafka");
		int rows = options.kafkaRows();
		try (KafkaBroker broker = KafkaBroker.start()) {
			broker.createTopic(Payloads.TYPE, PARTITIONS);
			Progress.say("kafka: KRaft broker at %s, topic %s with %d partitions", broker.bootstrapServers(),
					Payloads.TYPE, PARTITIONS);
			Map<String, Object> kafka = kafkaProperties(broker, options);
			Map<String, Object> noop = noopProperties(options);
			// warm both up, so that neither pays the JIT compiler for the other
			drain(server, "warm_up", Math.max(1_000, rows / 10), kafka);
			drain(server, "warm_up", Math.max(1_000, rows / 10), noop);
			Pass noopDrain = drain(server, "noop", rows, noop);
			Pass kafkaDrain = drain(server, "kafka", rows, kafka);
			Histogram noopLatency = latency(server, "noop", options, noop);
			Histogram kafkaLatency = latency(server, "kafka", options, kafka);
			double rate = kafkaDrain.throughput().perSecond();
			double noopRate = noopDrain.throughput().perSecond();
			double p50 = millis(kafkaLatency, 50);
			double p99 = millis(kafkaLatency, 99);
			double noopP99 = millis(noopLatency, 99);
			result.put("msg_per_s", rate)
				.put("p99_ms", p99)
				.put("noop_msg_per_s", noopRate)
				.put("ratio", rate / noopRate)
				.put("p50_ms", p50)
				.put("p999_ms", millis(kafkaLatency, 99.9))
				.put("noop_p50_ms", millis(noopLatency, 50))
				.put("noop_p99_ms", noopP99)
				.put("rows", rows)
				.put("concurrency", options.kafkaConcurrency())
				.put("linger_ms", (options.kafkaLingerMs() >= 0) ? options.kafkaLingerMs() : "default")
				.put("latency_count", kafkaLatency.getTotalCount())
				.put("jvm_cpu_us_per_msg", kafkaDrain.throughput().cpuNanos() / 1e3 / rows)
				.put("noop_jvm_cpu_us_per_msg", noopDrain.throughput().cpuNanos() / 1e3 / rows)
				.put("target_msg_per_s", TARGET_RATE)
				.put("target_p99_ms", TARGET_P99_MS);
			result.row(new ScenarioResult.Row("kafka drain", String.format("kafka %,.0f msg/s", rate),
					String.format("no-op %,.0f msg/s", noopRate), decimal(rate / noopRate), ">= 10,000 msg/s",
					rate >= TARGET_RATE));
			result.row(new ScenarioResult.Row("kafka latency 1,000/s",
					"p50 " + decimal(p50) + " ms, p99 " + decimal(p99) + " ms",
					"no-op p50 " + decimal(millis(noopLatency, 50)) + ", p99 " + decimal(noopP99) + " ms",
					decimal(p99 / noopP99), "p99 < 50 ms", p99 < TARGET_P99_MS));
		}
		return result;
	}

	private static Map<String, Object> kafkaProperties(KafkaBroker broker, BenchmarkOptions options) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("spring.kafka.bootstrap-servers", broker.bootstrapServers());
		properties.put("outbox.kafka.enabled", "true");
		properties.put("outbox.delivery.concurrency", options.kafkaConcurrency());
		if (options.kafkaLingerMs() >= 0) {
			properties.put("outbox.kafka.producer.linger.ms", options.kafkaLingerMs());
		}
		return properties;
	}

	private static Map<String, Object> noopProperties(BenchmarkOptions options) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("outbox.kafka.enabled", "false");
		properties.put("outbox.delivery.concurrency", options.kafkaConcurrency());
		return properties;
	}

	private static boolean isKafka(Map<String, Object> properties) {
		return "true".equals(properties.get("outbox.kafka.enabled"));
	}

	/**
	 * Starts a relay context: with the Kafka module's publisher, counted as it returns,
	 * or with the no-op {@link CountingPublisher} alone.
	 */
	private static RelayHandle start(Workspace workspace, long expected, Map<String, Object> properties,
			AtomicReference<CountingPublisher> counting, boolean idle) {
		if (!isKafka(properties)) {
			CountingPublisher publisher = new CountingPublisher(expected, Duration.ZERO);
			counting.set(publisher);
			return idle ? RelayHandle.startIdle(workspace, publisher, properties)
					: RelayHandle.start(workspace, publisher, properties);
		}
		Consumer<GenericApplicationContext> beans = (context) -> context.registerBean("benchmarkKafkaCounter",
				BeanPostProcessor.class, () -> new BeanPostProcessor() {
					@Override
					public Object postProcessAfterInitialization(Object bean, String beanName) {
						if (bean instanceof OutboxHandler handler
								&& handler.publisher() instanceof KafkaMessagePublisher kafka) {
							CountingPublisher publisher = new CountingPublisher(expected, Duration.ZERO, kafka);
							counting.set(publisher);
							AsyncMessagePublisher counted = (message) -> kafka.publishAsync(message)
								.thenRun(() -> publisher.record(message));
							return OutboxHandler.of(handler.name(), counted);
						}
						return bean;
					}
				});
		RelayHandle handle = idle ? RelayHandle.startIdleWith(workspace, properties, beans)
				: RelayHandle.startWith(workspace, properties, beans);
		if (counting.get() == null) {
			handle.close();
			throw new IllegalStateException("The Kafka module did not configure its publisher");
		}
		return handle;
	}

	private static Pass drain(BenchmarkServer server, String name, int rows, Map<String, Object> properties)
			throws Exception {
		String label = (isKafka(properties) ? "kafka" : "no-op") + ((name.equals("warm_up")) ? " warm-up" : "");
		try (Workspace workspace = new Workspace(server, "kafka_" + name, isKafka(properties) ? "kd" : "nd").reset()) {
			AtomicReference<CountingPublisher> counting = new AtomicReference<>();
			try (RelayHandle relay = start(workspace, rows, properties, counting, true)) {
				CountingPublisher publisher = counting.get();
				long writeStart = System.nanoTime();
				workspace.writeOneRowTransactions(1, rows, KEYS);
				double writeSeconds = (System.nanoTime() - writeStart) / 1e9;
				relay.startRelay();
				if (!publisher.awaitExpected(TIMEOUT)) {
					throw new IllegalStateException("The relay published " + publisher.published() + " of " + rows
							+ " messages within " + TIMEOUT);
				}
				Throughput throughput = publisher.throughput();
				Progress.say(
						"kafka: drain %s: %,d one-row transactions written in %.1f s, drained at %,.0f msg/s, "
								+ "JVM CPU %.1f us per message",
						label, rows, writeSeconds, throughput.perSecond(), throughput.cpuNanos() / 1e3 / rows);
				Progress.say("kafka: drain %s: per message, user+kernel CPU and context switches by thread: %s", label,
						publisher.threadCpuPerMessage());
				return new Pass(throughput);
			}
		}
	}

	private static Histogram latency(BenchmarkServer server, String name, BenchmarkOptions options,
			Map<String, Object> properties) throws Exception {
		String label = isKafka(properties) ? "kafka" : "no-op";
		Map<String, Object> withPool = new LinkedHashMap<>(properties);
		withPool.put("spring.datasource.hikari.maximum-pool-size", options.latencyWriters() + 4);
		try (Workspace workspace = new Workspace(server, "kafka_latency_" + name, isKafka(properties) ? "kl" : "nl")
			.reset()) {
			AtomicReference<CountingPublisher> counting = new AtomicReference<>();
			try (RelayHandle relay = start(workspace, Long.MAX_VALUE, withPool, counting, false)) {
				relay.awaitRunning(Duration.ofSeconds(60));
				CountingPublisher publisher = counting.get();
				RateWriter writer = new RateWriter(relay.outboxPublisher(), options.latencyWriters());
				long written = writer.run(LATENCY_RATE, WARM_UP_SECONDS, null).written();
				awaitDelivered(publisher, written);
				Histogram latency = publisher.recordLatency(null);
				RateWriter.Result run = writer.run(LATENCY_RATE, options.kafkaLatencySeconds(), null);
				written += run.written();
				awaitDelivered(publisher, written);
				Progress.say(
						"kafka: latency %s at %,d msg/s (achieved %,.0f, %d late): p50 %s ms, p90 %s ms, "
								+ "p99 %s ms, p99.9 %s ms, max %s ms; the writer's commit p50 %s ms, p99 %s ms",
						label, LATENCY_RATE, run.achievedRate(), run.late(), decimal(millis(latency, 50)),
						decimal(millis(latency, 90)), decimal(millis(latency, 99)), decimal(millis(latency, 99.9)),
						decimal(latency.getMaxValue() / 1000.0), decimal(millis(run.commits(), 50)),
						decimal(millis(run.commits(), 99)));
				return latency;
			}
		}
	}

	private static void awaitDelivered(CountingPublisher publisher, long written) {
		if (!publisher.awaitCount(written, Duration.ofMinutes(2))) {
			throw new IllegalStateException(
					"The relay published " + publisher.published() + " of " + written + " messages written");
		}
	}

	private static double millis(Histogram histogram, double percentile) {
		return histogram.getValueAtPercentile(percentile) / 1000.0;
	}

	/** One drain. */
	private record Pass(Throughput throughput) {
	}

}
