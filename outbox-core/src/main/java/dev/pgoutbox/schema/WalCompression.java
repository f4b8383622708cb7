package dev.pgoutbox.schema;

/**
 * Whether the WAL store compresses a message's payload before it goes into the WAL.
 *
 * <p>
 * The relay reads both kinds whatever is configured, so the setting can be changed at any
 * time without losing a message.
 */
public enum WalCompression {

	/** The payload is written as its UTF-8 bytes. */
	NONE,

	/**
	 * A payload of at least {@value WalMessageFormat#MIN_COMPRESSED_PAYLOAD} bytes is
	 * compressed with DEFLATE at its fastest level, and written compressed only if that
	 * is smaller. A JSON event of 250 to 300 bytes shrinks by about a third, at some 10
	 * µs of the writer's CPU and 3 µs of the relay's.
	 */
	DEFLATE

}
