package dev.pgoutbox.schema;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Makes message ids: time-ordered UUIDs (version 7, RFC 9562), so that new rows land at
 * the right edge of the primary key index instead of all over it.
 */
public final class MessageIds {

	private MessageIds() {
	}

	/**
	 * Returns a new id.
	 * @return a version 7 UUID
	 */
	public static UUID next() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		long millis = System.currentTimeMillis();
		long high = (millis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
		long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
		return new UUID(high, low);
	}

}
