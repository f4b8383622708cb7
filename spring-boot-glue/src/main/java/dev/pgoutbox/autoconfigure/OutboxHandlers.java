package dev.pgoutbox.autoconfigure;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.beans.factory.ListableBeanFactory;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxHandler;

/**
 * The application's handlers: every {@link OutboxHandler} bean, and every
 * {@link MessagePublisher} bean that no handler bean wraps, named by its bean name and
 * taking every message type.
 */
final class OutboxHandlers {

	private OutboxHandlers() {
	}

	/**
	 * Returns the handlers defined in a bean factory.
	 * @param beans the bean factory
	 * @return the handlers, at least one
	 * @throws OutboxStartupException if there is none, or two share a name
	 */
	static List<OutboxHandler> of(ListableBeanFactory beans) {
		Map<String, OutboxHandler> declared = beans.getBeansOfType(OutboxHandler.class);
		Set<MessagePublisher> wrapped = Collections.newSetFromMap(new IdentityHashMap<>());
		declared.values().forEach((handler) -> wrapped.add(handler.publisher()));
		Map<String, OutboxHandler> byName = new LinkedHashMap<>();
		for (OutboxHandler handler : declared.values()) {
			add(byName, handler);
		}
		for (Map.Entry<String, MessagePublisher> publisher : beans.getBeansOfType(MessagePublisher.class).entrySet()) {
			if (!wrapped.contains(publisher.getValue())) {
				add(byName, named(publisher.getKey(), publisher.getValue()));
			}
		}
		if (byName.isEmpty()) {
			throw new OutboxStartupException(
					"The outbox relay has nowhere to send messages: there is no MessagePublisher or OutboxHandler bean.",
					"Define a bean that implements dev.pgoutbox.MessagePublisher and sends each message to your "
							+ "broker (throwing when the broker does not take it), add a broker module such as "
							+ "outbox-kafka, or set outbox.enabled=false.");
		}
		return new ArrayList<>(byName.values());
	}

	/**
	 * Returns a handler with another publisher, keeping its name and types.
	 */
	static OutboxHandler withPublisher(OutboxHandler handler, MessagePublisher publisher) {
		OutboxHandler replaced = OutboxHandler.of(handler.name(), publisher);
		return handler.types().isEmpty() ? replaced : replaced.forTypes(handler.types());
	}

	private static OutboxHandler named(String beanName, MessagePublisher publisher) {
		try {
			return OutboxHandler.of(beanName, publisher);
		}
		catch (IllegalArgumentException ex) {
			throw new OutboxStartupException(
					"The MessagePublisher bean '" + beanName + "' cannot name a handler: " + ex.getMessage(),
					"Rename the bean, or declare an OutboxHandler bean: OutboxHandler.of(\"name\", publisher).");
		}
	}

	private static void add(Map<String, OutboxHandler> byName, OutboxHandler handler) {
		if (byName.putIfAbsent(handler.name(), handler) != null) {
			throw new OutboxStartupException("Two outbox handlers are named '" + handler.name() + "'.",
					"Give each OutboxHandler bean, and each MessagePublisher bean no handler wraps, a name of "
							+ "its own: dead letters, metrics and health know handlers by name.");
		}
	}

}
