package dev.pgoutbox.autoconfigure;

import java.util.concurrent.CompletionStage;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import dev.pgoutbox.AsyncMessagePublisher;
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
class ObservedMessagePublisher implements MessagePublisher {

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

	/**
	 * Returns the observed publisher, asynchronous if the delegate is.
	 */
	static MessagePublisher of(String handler, MessagePublisher delegate, ObservationRegistry registry,
			RelayedPartitions partitions, OutboxDeliveryObservationConvention convention,
			OutboxDeliveryObservationConvention defaultConvention) {
		if (delegate instanceof AsyncMessagePublisher async) {
			return new Async(handler, async, registry, partitions, convention, defaultConvention);
		}
		return new ObservedMessagePublisher(handler, delegate, registry, partitions, convention, defaultConvention);
	}

	@Override
	public void publish(OutboxMessage message) throws Exception {
		observation(message).observeChecked(() -> this.delegate.publish(message));
	}

	Observation observation(OutboxMessage message) {
		OutboxPartition partition = this.partitions.of(message);
		OutboxDeliveryContext context = new OutboxDeliveryContext(message, partition.slot().name(), partition.key(),
				this.handler);
		return Observation.createNotStarted(this.convention, this.defaultConvention, () -> context, this.registry);
	}

	@Override
	public String toString() {
		return "Observed " + this.delegate;
	}

	/**
	 * The observation of an asynchronous call: started before the call, its scope open
	 * while the message is handed over (so that the broker client's instrumentation sees
	 * the trace), stopped when the broker answers.
	 */
	static final class Async extends ObservedMessagePublisher implements AsyncMessagePublisher {

		private final AsyncMessagePublisher delegate;

		Async(String handler, AsyncMessagePublisher delegate, ObservationRegistry registry,
				RelayedPartitions partitions, OutboxDeliveryObservationConvention convention,
				OutboxDeliveryObservationConvention defaultConvention) {
			super(handler, delegate, registry, partitions, convention, defaultConvention);
			this.delegate = delegate;
		}

		@Override
		public void publish(OutboxMessage message) throws Exception {
			AsyncMessagePublisher.super.publish(message);
		}

		@Override
		public CompletionStage<?> publishAsync(OutboxMessage message) throws Exception {
			Observation observation = observation(message).start();
			CompletionStage<?> sent;
			try (Observation.Scope scope = observation.openScope()) {
				sent = this.delegate.publishAsync(message);
			}
			catch (Exception | Error ex) {
				observation.error(ex);
				observation.stop();
				throw ex;
			}
			if (sent == null) {
				observation.stop();
				return null;
			}
			return sent.whenComplete((result, failure) -> {
				if (failure != null) {
					observation.error(failure);
				}
				observation.stop();
			});
		}

	}

}
