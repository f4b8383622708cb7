package dev.pgoutbox.pgoutput;

/**
 * A message the outbox does not act on: Origin 'O', Type 'Y', Update 'U', Delete 'D',
 * Truncate 'T'.
 *
 * @param tag the message's tag byte
 */
record Skipped(char tag) implements PgOutputMessage {

}
