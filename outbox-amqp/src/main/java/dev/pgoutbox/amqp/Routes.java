package dev.pgoutbox.amqp;

import java.util.HashMap;
import java.util.Map;

import dev.pgoutbox.OutboxMessage;

/**
 * The exchange and routing key of each message: its type's route if it has one, the
 * default route otherwise.
 */
final class Routes {

	private final Route fallback;

	private final Map<String, Route> byType = new HashMap<>();

	Routes(OutboxAmqpProperties properties) {
		this.fallback = new Route(NameTemplate.parse("outbox.amqp.exchange", properties.getExchange()),
				NameTemplate.parse("outbox.amqp.routing-key", properties.getRoutingKey()));
		properties.getTypes().forEach((type, route) -> {
			String prefix = "outbox.amqp.types.[" + type + "].";
			NameTemplate exchange = (route.getExchange() != null)
					? NameTemplate.parse(prefix + "exchange", route.getExchange()) : this.fallback.exchange();
			NameTemplate routingKey = (route.getRoutingKey() != null)
					? NameTemplate.parse(prefix + "routing-key", route.getRoutingKey()) : this.fallback.routingKey();
			this.byType.put(type, new Route(exchange, routingKey));
		});
	}

	Destination destination(OutboxMessage message) {
		Route route = this.byType.getOrDefault(message.type(), this.fallback);
		return new Destination(route.exchange().expand(message), route.routingKey().expand(message));
	}

	private record Route(NameTemplate exchange, NameTemplate routingKey) {
	}

	record Destination(String exchange, String routingKey) {
	}

}
