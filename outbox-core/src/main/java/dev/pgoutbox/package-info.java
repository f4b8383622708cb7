/**
 * The outbox's public API: {@link dev.pgoutbox.OutboxPublisher} to write messages,
 * {@link dev.pgoutbox.MessagePublisher} to send them,
 * {@link dev.pgoutbox.DeliveryListener} to hear how each went, and
 * {@link dev.pgoutbox.DeadLetters} for those parked after their last attempt.
 *
 * <p>
 * This package is what applications program against, and it depends on no other outbox
 * package. {@code dev.pgoutbox.relay} is the service-provider interface the Spring glue
 * drives the engine through; every other {@code dev.pgoutbox.*} package of this module is
 * internal and may change without notice.
 */
package dev.pgoutbox;
