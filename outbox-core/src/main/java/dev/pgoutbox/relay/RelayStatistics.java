package dev.pgoutbox.relay;

import java.time.Instant;

/**
 * Counts of what a relay has done since it started.
 *
 * @param delivered messages the publisher took
 * @param publishFailures failed publisher calls, each retried or parked
 * @param parked messages parked as dead letters
 * @param reconnects connections lost and tried again
 * @param lastDeliveryAt when the last message was delivered, {@code null} if none yet
 */
public record RelayStatistics(long delivered, long publishFailures, long parked, long reconnects,
		Instant lastDeliveryAt) {
}
