package dev.pgoutbox.autoconfigure;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.ReceiverContext;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;

/**
 * Runs each {@link MessagePublisher} call in an {@code outbox.deliver} observation whose
 * parent is the trace context the message carries in its headers, so that with tracing
 * on, the delivery span continues the trace of the request that wrote the message.
 */
final class ObservedMessagePublisher implements MessagePublisher {

	private final MessagePublisher delegate;

	private final ObservationRegistry registry;

	ObservedMessagePublisher(MessagePublisher delegate, ObservationRegistry registry) {
		this.delegate = delegate;
		this.registry = registry;
	}

	@Override
	public void publish(OutboxMessage message) throws Exception {
		ReceiverContext<OutboxMessage> context = new ReceiverContext<>((carrier, key) -> carrier.headers().get(key));
		context.setCarrier(message);
		context.setRemoteServiceName("outbox");
		Observation.createNotStarted("outbox.deliver", () -> context, this.registry)
			.contextualName("outbox deliver")
			.highCardinalityKeyValue("outbox.message.id", message.id().toString())
			.highCardinalityKeyValue("outbox.message.type", message.type())
			.observeChecked(() -> this.delegate.publish(message));
	}

	@Override
	public String toString() {
		return "Observed " + this.delegate;
	}

}
