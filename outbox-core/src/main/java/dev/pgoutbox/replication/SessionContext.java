package dev.pgoutbox.replication;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.sql.DataSource;

import dev.pgoutbox.relay.RelayState;

/**
 * What each {@link ReplicationSession} of a relay is given besides the dispatcher, its
 * connection and its lock: the parts of the relay that outlive one connection, its stop
 * request, and where to report its state. Handed over explicitly, so that a session reads
 * nothing of the relay itself.
 *
 * @param settings the slot, publication and status interval to stream with
 * @param dataSource ordinary connections, for the slot's entries in the catalog
 * @param catalog what the server and the slot-state table know of the slot
 * @param backfill reads the backlog of a new slot
 * @param mapper turns decoded inserts into messages
 * @param tracker how far the slot's position may be confirmed
 * @param cleaner deletes the rows of the table store once they are done
 * @param backlog the transaction of the table's rows handed out, until all are done: a
 * session after a reconnect completes what an earlier one handed out
 * @param stop whether and by when the relay is to stop
 * @param states told each state the session moves the relay into
 */
record SessionContext(RelaySettings settings, DataSource dataSource, SlotCatalog catalog, SnapshotBackfill backfill,
		OutboxRowMapper mapper, AckTracker tracker, DeliveredRowCleaner cleaner,
		AtomicReference<AckTracker.Transaction> backlog, StopRequest stop, Consumer<RelayState> states) {
}
