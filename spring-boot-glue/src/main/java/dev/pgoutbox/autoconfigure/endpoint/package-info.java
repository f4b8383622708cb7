/**
 * The {@code outbox} actuator endpoint.
 */
package dev.pgoutbox.autoconfigure.endpoint;
