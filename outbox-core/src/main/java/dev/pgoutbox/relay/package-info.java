/**
 * What the Spring glue and the partition coordinator see of a relay: its interface, state
 * and counts; free of Spring.
 *
 * <p>
 * A service-provider interface for the Spring glue, not an application API: the glue
 * starts, stops and watches relays through it, whatever internal engine is behind them.
 */
package dev.pgoutbox.relay;
