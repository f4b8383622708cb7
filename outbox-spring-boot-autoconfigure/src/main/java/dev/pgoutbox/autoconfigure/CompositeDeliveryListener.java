package dev.pgoutbox.autoconfigure;

import java.time.Duration;
import java.util.List;

import dev.pgoutbox.delivery.DeliveryListener;
import dev.pgoutbox.delivery.Envelope;

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
	public void delivered(Envelope envelope, Duration duration) {
		this.listeners.forEach((listener) -> listener.delivered(envelope, duration));
	}

	@Override
	public void failed(Envelope envelope, Throwable error, int attempt, Duration retryIn) {
		this.listeners.forEach((listener) -> listener.failed(envelope, error, attempt, retryIn));
	}

	@Override
	public void parked(Envelope envelope, int attempts, Throwable lastError) {
		this.listeners.forEach((listener) -> listener.parked(envelope, attempts, lastError));
	}

}
