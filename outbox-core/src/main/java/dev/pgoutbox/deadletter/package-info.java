/**
 * Dead letters: messages that failed their last delivery attempt, parked in a table of
 * their own until an operator replays or deletes them; free of Spring.
 *
 * <p>
 * Internal: not an API, and it may change without notice; applications see dead letters
 * through {@link dev.pgoutbox.DeadLetters}. Its types are public because the Spring glue
 * makes the {@link JdbcDeadLetters} bean and the replication package parks and describes
 * failures with the others.
 */
package dev.pgoutbox.deadletter;
