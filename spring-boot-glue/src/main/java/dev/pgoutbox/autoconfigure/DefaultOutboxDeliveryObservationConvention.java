package dev.pgoutbox.autoconfigure;

import io.micrometer.common.KeyValues;

/**
 * The outbox's own naming of the delivery observation: {@code outbox.deliver}, whose
 * timer is the one timer of the publish call, tagged {@code slot} and {@code partition},
 * and {@code type} when {@code outbox.metrics.type-tag} is on, as the outbox's meters
 * are, so that every meter of one name has one set of tag keys and all of them can be
 * joined. The message id, and the type when it is no tag, go to the span only.
 */
public class DefaultOutboxDeliveryObservationConvention implements OutboxDeliveryObservationConvention {

	/** The observation's name, and so its timer's. */
	public static final String NAME = "outbox.deliver";

	private final boolean typeTag;

	/**
	 * Creates the convention without the type tag.
	 */
	public DefaultOutboxDeliveryObservationConvention() {
		this(false);
	}

	/**
	 * Creates the convention.
	 * @param typeTag whether the message type is a low-cardinality tag (on the timer) or
	 * only a high-cardinality one (on the span)
	 */
	public DefaultOutboxDeliveryObservationConvention(boolean typeTag) {
		this.typeTag = typeTag;
	}

	@Override
	public String getName() {
		return NAME;
	}

	@Override
	public String getContextualName(OutboxDeliveryContext context) {
		return "outbox deliver";
	}

	@Override
	public KeyValues getLowCardinalityKeyValues(OutboxDeliveryContext context) {
		KeyValues values = KeyValues.of("slot", context.getSlot(), "partition", context.getPartition(), "handler",
				context.getHandler());
		return this.typeTag ? values.and("type", context.getMessage().type()) : values;
	}

	@Override
	public KeyValues getHighCardinalityKeyValues(OutboxDeliveryContext context) {
		KeyValues values = KeyValues.of("outbox.message.id", context.getMessage().id().toString());
		return this.typeTag ? values : values.and("outbox.message.type", context.getMessage().type());
	}

}
