package dev.pgoutbox.autoconfigure;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.schema.OutboxPartition;

/**
 * Runs each {@link MessagePublisher} call in an {@code outbox.deliver} observation whose
 * parent is the trace context the message carries in its headers, so that with tracing
 * on, the delivery span continues the trace of the request that wrote the message. Its
 * timer is the publish call's only one; the application's
 * {@link OutboxDeliveryObservationConvention}, if any, names and tags it.
 */
final class ObservedMessagePublisher implements MessagePublisher {

	private final MessagePublisher delegate;

	private final ObservationRegistry registry;

	private final RelayedPartitions partitions;

	private final OutboxDeliveryObservationConvention convention;

	private final OutboxDeliveryObservationConvention defaultConvention;

	private final String handler;

	/**
	 * Creates the publisher.
	 * @param convention the application's convention, {@code null} to take one registered
	 * globally or else {@code defaultConvention}
	 */
	ObservedMessagePublisher(String handler, MessagePublisher delegate, ObservationRegistry registry,
			RelayedPartitions partitions, OutboxDeliveryObservationConvention convention,
			OutboxDeliveryObservationConvention defaultConvention) {
		this.handler = handler;
		this.delegate = delegate;
		this.registry = registry;
		this.partitions = partitions;
		this.convention = convention;
		this.defaultConvention = defaultConvention;
	}

	@Override
	public void publish(OutboxMessage message) throws Exception {
		OutboxPartition partition = this.partitions.of(message);
		OutboxDeliveryContext context = new OutboxDeliveryContext(message, partition.slot().name(), partition.key(),
				this.handler);
		Observation.createNotStarted(this.convention, this.defaultConvention, () -> context, this.registry)
			.observeChecked(() -> this.delegate.publish(message));
	}

	@Override
	public String toString() {
		return "Observed " + this.delegate;
	}

}
