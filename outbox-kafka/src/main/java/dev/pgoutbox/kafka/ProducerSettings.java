package dev.pgoutbox.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.pgoutbox.OutboxConfigurationException;

/**
 * The producer settings the outbox's guarantees rest on: a send counts only once every
 * in-sync replica has the record ({@code acks=all}), and the producer's own retries
 * neither duplicate nor reorder records ({@code enable.idempotence=true}, at most 5
 * requests in flight, retries on).
 */
final class ProducerSettings {

	private static final int MAX_IN_FLIGHT = 5;

	private ProducerSettings() {
	}

	/**
	 * Derives the outbox producer's configuration from the application's: without a
	 * transactional id, with the outbox's own overrides, String serializers, the
	 * guarantees where nothing is set, and {@code max.block.ms} at most the send timeout.
	 * @param application the configuration of the application's producer factory
	 * @param overrides {@code outbox.kafka.producer.*}
	 * @param sendTimeout {@code outbox.kafka.send-timeout}
	 * @return the configuration, checked by {@link #check}
	 */
	static Map<String, Object> derive(Map<String, Object> application, Map<String, String> overrides,
			Duration sendTimeout) {
		Map<String, Object> config = new HashMap<>(application);
		// the outbox sends one record at a time and needs no transactions: an idempotent
		// producer is what keeps its retries from duplicating or reordering
		config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
		if (overrides != null) {
			config.putAll(overrides);
		}
		config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
		config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
		config.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
		config.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
		long maxBlock = sendTimeout.toMillis();
		Object configured = config.get(ProducerConfig.MAX_BLOCK_MS_CONFIG);
		if (configured != null) {
			maxBlock = Math.min(maxBlock, number(ProducerConfig.MAX_BLOCK_MS_CONFIG, configured));
		}
		// send() waits this long for topic metadata before the send timeout could apply
		config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(maxBlock));
		check(config);
		return config;
	}

	/**
	 * Checks that a producer configuration keeps the outbox's guarantees.
	 * @param config the configuration
	 * @throws IllegalStateException naming the setting if it does not
	 */
	static void check(Map<String, Object> config) {
		Object acks = config.get(ProducerConfig.ACKS_CONFIG);
		if (acks != null) {
			String value = acks.toString().trim().toLowerCase(Locale.ROOT);
			if (!value.equals("all") && !value.equals("-1")) {
				throw contradiction(ProducerConfig.ACKS_CONFIG, acks, "all",
						"a record counts as sent only once every in-sync replica has it");
			}
		}
		Object idempotence = config.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG);
		if (idempotence != null && !Boolean.parseBoolean(idempotence.toString().trim())) {
			throw contradiction(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, idempotence, "true",
					"the producer's own retries must neither duplicate nor reorder records");
		}
		Object inFlight = config.get(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
		if (inFlight != null
				&& number(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, inFlight) > MAX_IN_FLIGHT) {
			throw contradiction(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, inFlight,
					"at most " + MAX_IN_FLIGHT, "an idempotent producer keeps order only with at most 5");
		}
		Object retries = config.get(ProducerConfig.RETRIES_CONFIG);
		if (retries != null && number(ProducerConfig.RETRIES_CONFIG, retries) <= 0) {
			throw contradiction(ProducerConfig.RETRIES_CONFIG, retries, "more than 0",
					"an idempotent producer needs its retries");
		}
	}

	private static long number(String name, Object value) {
		if (value instanceof Number number) {
			return number.longValue();
		}
		try {
			return Long.parseLong(value.toString().trim());
		}
		catch (NumberFormatException ex) {
			throw new IllegalStateException(
					"The Kafka producer setting '" + name + "' is '" + value + "', which is not a number", ex);
		}
	}

	private static OutboxConfigurationException contradiction(String name, Object value, String required, String why) {
		return new OutboxConfigurationException(
				"The outbox's Kafka producer has " + name + "=" + value + ", but it needs " + required + ": " + why
						+ ".",
				"Remove the setting from spring.kafka.producer.* (or from the application's ProducerFactory), or "
						+ "give the outbox's producer its own with 'outbox.kafka.producer.[" + name + "]'.");
	}

}
