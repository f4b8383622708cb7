package dev.pgoutbox.benchmark;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The messages the benchmark writes: an order event of about 250 bytes of JSON, the same
 * whether written by SQL on the server or serialized by Jackson in the benchmark.
 */
final class Payloads {

	/**
	 * Positional template, read alike by PostgreSQL's {@code format()} and
	 * {@code String.format}.
	 */
	static final String TEMPLATE = "{\"orderId\":\"ord-%1$s\",\"customerId\":\"customer-%2$s\",\"status\":\"PLACED\","
			+ "\"currency\":\"EUR\",\"total\":\"%3$s.99\",\"items\":[{\"sku\":\"SKU-%2$s-A\",\"quantity\":2,"
			+ "\"unitPrice\":\"19.99\"},{\"sku\":\"SKU-%2$s-B\",\"quantity\":1,\"unitPrice\":\"5.49\"}],"
			+ "\"channel\":\"web\",\"placedAt\":\"2025-06-01T12:00:00Z\"}";

	static final String TYPE = "OrderPlaced";

	private Payloads() {
	}

	static String key(long row, int keys) {
		return "customer-" + pad(row % keys, 5);
	}

	static String json(long row, int keys) {
		return String.format(TEMPLATE, pad(row, 10), pad(row % keys, 5), pad(row % 100_000, 5));
	}

	static OrderPlaced order(long row, int keys) {
		String customer = pad(row % keys, 5);
		return new OrderPlaced("ord-" + pad(row, 10), "customer-" + customer, "PLACED", "EUR",
				pad(row % 100_000, 5) + ".99",
				List.of(new Item("SKU-" + customer + "-A", 2, "19.99"), new Item("SKU-" + customer + "-B", 1, "5.49")),
				"web", "2025-06-01T12:00:00Z");
	}

	/** Returns a time-ordered random id, like the ids the outbox gives its messages. */
	static UUID timeOrderedId() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		long high = (System.currentTimeMillis() << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
		long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
		return new UUID(high, low);
	}

	private static String pad(long value, int width) {
		String text = Long.toString(value);
		return (text.length() >= width) ? text : "0".repeat(width - text.length()) + text;
	}

	/** The event as an application would pass it to {@code OutboxPublisher.publish}. */
	record OrderPlaced(String orderId, String customerId, String status, String currency, String total,
			List<Item> items, String channel, String placedAt) {
	}

	/** One line of an order. */
	record Item(String sku, int quantity, String unitPrice) {
	}

}
