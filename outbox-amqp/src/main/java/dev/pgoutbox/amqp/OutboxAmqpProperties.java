package dev.pgoutbox.amqp;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of the AMQP {@link AmqpMessagePublisher}, under {@code outbox.amqp}.
 * Exchange names and routing keys are templates: literal text with the placeholders
 * {@code {type}}, {@code {key}} and {@code {partition}} of the message.
 */
@ConfigurationProperties("outbox.amqp")
public class OutboxAmqpProperties {

	/**
	 * Whether the outbox sends its messages to the AMQP broker of the application's
	 * RabbitMQ connection factory.
	 */
	private boolean enabled = true;

	/**
	 * Exchange each message is published to, a template over {type}, {key} and
	 * {partition}. The exchange must exist: the publisher declares nothing.
	 */
	private String exchange = "outbox";

	/**
	 * Routing key of each message, a template over {type}, {key} and {partition}.
	 */
	private String routingKey = "{type}";

	/**
	 * Longest the broker may take to confirm a message; without a confirm by then the
	 * publish fails and is retried. Keep it below outbox.delivery.publish-timeout.
	 */
	private Duration confirmTimeout = Duration.ofSeconds(10);

	/**
	 * Largest payload the broker takes; a larger message is parked at once instead of
	 * retried. Unset, the broker decides (RabbitMQ closes the channel, and the message is
	 * parked then).
	 */
	private DataSize maxMessageSize;

	/**
	 * Exchange and routing key per message type, overriding the defaults above; a type
	 * with dots is written in brackets, e.g. outbox.amqp.types.[order.placed].exchange.
	 */
	private Map<String, Route> types = new LinkedHashMap<>();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getExchange() {
		return this.exchange;
	}

	public void setExchange(String exchange) {
		this.exchange = exchange;
	}

	public String getRoutingKey() {
		return this.routingKey;
	}

	public void setRoutingKey(String routingKey) {
		this.routingKey = routingKey;
	}

	public Duration getConfirmTimeout() {
		return this.confirmTimeout;
	}

	public void setConfirmTimeout(Duration confirmTimeout) {
		this.confirmTimeout = confirmTimeout;
	}

	public DataSize getMaxMessageSize() {
		return this.maxMessageSize;
	}

	public void setMaxMessageSize(DataSize maxMessageSize) {
		this.maxMessageSize = maxMessageSize;
	}

	public Map<String, Route> getTypes() {
		return this.types;
	}

	public void setTypes(Map<String, Route> types) {
		this.types = types;
	}

	/**
	 * Where the messages of one type go; an unset part falls back to the default
	 * {@code outbox.amqp.exchange} or {@code outbox.amqp.routing-key}.
	 */
	public static class Route {

		/**
		 * Exchange the messages of this type are published to, a template over {type},
		 * {key} and {partition}.
		 */
		private String exchange;

		/**
		 * Routing key of the messages of this type, a template over {type}, {key} and
		 * {partition}.
		 */
		private String routingKey;

		public String getExchange() {
			return this.exchange;
		}

		public void setExchange(String exchange) {
			this.exchange = exchange;
		}

		public String getRoutingKey() {
			return this.routingKey;
		}

		public void setRoutingKey(String routingKey) {
			this.routingKey = routingKey;
		}

	}

}
