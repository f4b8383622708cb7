package dev.pgoutbox.autoconfigure;

import java.time.Duration;
import java.util.List;

import dev.pgoutbox.DeliveryListener;
import dev.pgoutbox.OutboxMessage;

/**
 * Passes each delivery outcome to every {@link DeliveryListener} bean, in order.
 */
final class CompositeDeliveryListener implements DeliveryListener {

	private final List<DeliveryListener> listeners;

	private CompositeDeliveryListener(List<DeliveryListener> listeners) {
		this.listeners = listeners;
	}

	static DeliveryListener of(List<DeliveryListener> listeners) {
		return switch (listeners.size()) {
			case 0 -> null;
			case 1 -> listeners.get(0);
			default -> new CompositeDeliveryListener(List.copyOf(listeners));
		};
	}

	@Override
	public void delivered(OutboxMessage message, Duration duration) {
		this.listeners.forEach((listener) -> listener.delivered(message, duration));
	}

	@Override
	public void failed(OutboxMessage message, Throwable error, int attempt, Duration retryIn) {
		this.listeners.forEach((listener) -> listener.failed(message, error, attempt, retryIn));
	}

	@Override
	public void parked(OutboxMessage message, int attempts, Throwable lastError) {
		this.listeners.forEach((listener) -> listener.parked(message, attempts, lastError));
	}

	@Override
	public void delivered(String handler, OutboxMessage message, Duration duration) {
		this.listeners.forEach((listener) -> listener.delivered(handler, message, duration));
	}

	@Override
	public void failed(String handler, OutboxMessage message, Throwable error, int attempt, Duration retryIn) {
		this.listeners.forEach((listener) -> listener.failed(handler, message, error, attempt, retryIn));
	}

	@Override
	public void parked(String handler, OutboxMessage message, int attempts, Throwable lastError) {
		this.listeners.forEach((listener) -> listener.parked(handler, message, attempts, lastError));
	}

}
