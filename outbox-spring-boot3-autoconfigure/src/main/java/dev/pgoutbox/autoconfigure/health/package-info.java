/**
 * The outbox's actuator health indicator.
 */
package dev.pgoutbox.autoconfigure.health;
