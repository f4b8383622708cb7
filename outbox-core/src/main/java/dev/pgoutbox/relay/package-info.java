/**
 * What the Spring glue and the partition coordinator see of a relay: its interface, state
 * and counts; free of Spring.
 */
package dev.pgoutbox.relay;
