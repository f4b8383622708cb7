package dev.pgoutbox.autoconfigure;

import io.micrometer.observation.transport.ReceiverContext;

import dev.pgoutbox.OutboxMessage;

/**
 * The context of the observation around each {@link dev.pgoutbox.MessagePublisher} call:
 * the message, whose headers carry the trace context of the request that wrote it, and
 * the slot and partition whose relay handed it over.
 */
public class OutboxDeliveryContext extends ReceiverContext<OutboxMessage> {

	private final String slot;

	private final String partition;

	private final String handler;

	/**
	 * Creates a context.
	 * @param message the message being published
	 * @param slot the name of the replication slot the message was read from
	 * @param partition the partition whose relay handed it over
	 * @param handler the name of the handler called
	 */
	public OutboxDeliveryContext(OutboxMessage message, String slot, String partition, String handler) {
		super((carrier, key) -> carrier.headers().get(key));
		setCarrier(message);
		setRemoteServiceName("outbox");
		this.slot = slot;
		this.partition = partition;
		this.handler = handler;
	}

	/**
	 * Returns the name of the handler called.
	 * @return the handler's name
	 */
	public String getHandler() {
		return this.handler;
	}

	/**
	 * Returns the message being published.
	 * @return the message
	 */
	public OutboxMessage getMessage() {
		return getCarrier();
	}

	/**
	 * Returns the name of the replication slot the message was read from.
	 * @return the slot's name
	 */
	public String getSlot() {
		return this.slot;
	}

	/**
	 * Returns the partition whose relay handed the message over.
	 * @return the partition's key
	 */
	public String getPartition() {
		return this.partition;
	}

}
