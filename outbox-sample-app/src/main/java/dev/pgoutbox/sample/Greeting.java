package dev.pgoutbox.sample;

/**
 * The event written when a greeting is stored.
 *
 * @param id the greeting's id
 * @param name who is greeted
 */
public record Greeting(long id, String name) {
}
