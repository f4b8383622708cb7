/**
 * Spring Boot glue for the outbox: auto-configuration, properties, the
 * transaction-joining publisher, the lifecycle adapter and the failure analyzer.
 */
package dev.pgoutbox.autoconfigure;
