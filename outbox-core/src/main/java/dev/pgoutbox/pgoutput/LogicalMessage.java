package dev.pgoutbox.pgoutput;

import dev.pgoutbox.Lsn;

/**
 * A logical decoding message, written by {@code pg_logical_emit_message} and sent by
 * pgoutput when the stream was started with the option {@code messages 'true'}
 * (PostgreSQL 14 and later).
 *
 * @param transactional whether it was emitted as part of a transaction, and so arrives
 * between that transaction's Begin and Commit, only if it committed
 * @param lsn the WAL position of the message
 * @param prefix the prefix it was emitted with, which tells whose message it is
 * @param content the content, a copy of the bytes that were emitted
 */
public record LogicalMessage(boolean transactional, Lsn lsn, String prefix, byte[] content) implements PgOutputMessage {

	@Override
	public String toString() {
		// the content may hold personal data
		return "LogicalMessage[transactional=" + this.transactional + ", lsn=" + this.lsn + ", prefix=" + this.prefix
				+ ", " + this.content.length + " bytes]";
	}

}
