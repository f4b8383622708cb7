/**
 * Dead letters: messages that failed their last delivery attempt, parked in a table of
 * their own until an operator replays or deletes them; free of Spring.
 */
package dev.pgoutbox.deadletter;
