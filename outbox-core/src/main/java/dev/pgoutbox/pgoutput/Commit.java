package dev.pgoutbox.pgoutput;

import java.time.Instant;

import dev.pgoutbox.Lsn;

/**
 * The end of a transaction, sent after its last change.
 *
 * @param commitLsn the position of the commit record
 * @param endLsn the position just past the commit record, the one to confirm as flushed
 * @param commitTime when the transaction committed
 */
public record Commit(Lsn commitLsn, Lsn endLsn, Instant commitTime) implements PgOutputMessage {

}
