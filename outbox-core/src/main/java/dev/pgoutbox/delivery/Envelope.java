package dev.pgoutbox.delivery;

import dev.pgoutbox.OutboxMessage;

/**
 * A message on its way to the {@link dev.pgoutbox.MessagePublisher}, with the
 * transaction it counts against for acknowledgement.
 *
 * @param message the message
 * @param transaction the transaction to complete once the message is delivered
 */
public record Envelope(OutboxMessage message, AckTracker.Transaction transaction) {
}
