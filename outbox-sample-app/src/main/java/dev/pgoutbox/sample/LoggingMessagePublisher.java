package dev.pgoutbox.sample;

import java.util.ArrayDeque;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Component;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;

/**
 * Stands in for a broker: logs each message and keeps the last hundred in memory.
 */
@Component
class LoggingMessagePublisher implements MessagePublisher {

	private static final Logger logger = LoggerFactory.getLogger(LoggingMessagePublisher.class);

	private final ArrayDeque<OutboxMessage> recent = new ArrayDeque<>();

	@Override
	public void publish(OutboxMessage message) {
		logger.info("Delivered {} {} for key '{}' committed at {}: {}", message.type(), message.id(), message.key(),
				message.committedAt(), message.payload());
		synchronized (this.recent) {
			if (this.recent.size() == 100) {
				this.recent.pollFirst();
			}
			this.recent.addLast(message);
		}
	}

	List<OutboxMessage> recent() {
		synchronized (this.recent) {
			return List.copyOf(this.recent);
		}
	}

}
