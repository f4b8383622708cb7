package dev.pgoutbox;

import java.util.List;
import java.util.UUID;

/**
 * The parked messages of an outbox, for operators: list them, replay them through the
 * outbox, or delete them.
 *
 * <p>
 * Implementations are thread-safe. Every method throws {@link DeadLetterException} if the
 * store cannot be read or changed.
 */
public interface DeadLetters {

	/**
	 * Returns a page of parked messages, oldest parked first.
	 * @param offset the number of messages to skip, not negative
	 * @param limit the most messages to return, not negative
	 * @return the messages, never {@code null}, possibly empty
	 */
	List<ParkedMessage> list(int offset, int limit);

	/**
	 * Returns the number of parked messages, counted once per handler that parked it.
	 * @return the count
	 */
	long count();

	/**
	 * Puts a parked message through the outbox again, with the same id, and removes it
	 * from the dead letters, atomically. It goes only to the handlers that parked it (a
	 * handler that delivered it is not called again), after the messages of its key
	 * already in the outbox.
	 * @param id the message's id, not {@code null}
	 * @return {@code true} if the message was parked and is now replayed, {@code false}
	 * if no message with that id is parked
	 */
	boolean replay(UUID id);

	/**
	 * Replays every message parked when the call starts, oldest parked first; each
	 * message is replayed atomically, as by {@link #replay(UUID)}.
	 * @return the number of messages replayed
	 */
	int replayAll();

	/**
	 * Deletes a parked message for good, for every handler that parked it.
	 * @param id the message's id, not {@code null}
	 * @return {@code true} if it was parked and is now deleted
	 */
	boolean delete(UUID id);

}
