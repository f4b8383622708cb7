package dev.pgoutbox.autoconfigure;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags the observation around each {@link dev.pgoutbox.MessagePublisher} call,
 * and so its timer and span. Define a bean of this type to replace
 * {@link DefaultOutboxDeliveryObservationConvention}, for example a subclass of it that
 * adds a tag.
 */
public interface OutboxDeliveryObservationConvention extends ObservationConvention<OutboxDeliveryContext> {

	@Override
	default boolean supportsContext(Observation.Context context) {
		return context instanceof OutboxDeliveryContext;
	}

}
