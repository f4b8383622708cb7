package dev.pgoutbox.relay;

/**
 * Where the relay is in its life.
 */
public enum RelayState {

	/** Not started yet. */
	NEW,

	/** Connecting, creating the slot or reading the backlog of a new slot. */
	STARTING,

	/** Streaming from the slot. */
	RUNNING,

	/** Another instance serves the slot; this one waits to take over. */
	STANDBY,

	/** Lost its connection and waiting to try again. */
	RECONNECTING,

	/** Finishing the messages in flight before it stops. */
	STOPPING,

	/** Stopped; it may not be started again. */
	STOPPED

}
