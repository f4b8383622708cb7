package dev.pgoutbox.pgoutput;

import java.time.Instant;

import dev.pgoutbox.Lsn;

/**
 * The start of a transaction, sent before its first change.
 *
 * @param finalLsn the position of the transaction's commit record
 * @param commitTime when the transaction committed
 * @param xid the transaction id, an unsigned 32-bit value held in an {@code int}
 */
public record Begin(Lsn finalLsn, Instant commitTime, int xid) implements PgOutputMessage {

}
