package dev.pgoutbox;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A message parked after its last failed delivery attempt.
 *
 * <p>
 * Instances are immutable and thread-safe.
 *
 * @param id the message's stable id, never {@code null}
 * @param type the message type, never {@code null}
 * @param key the ordering key, never {@code null}
 * @param payload the payload as JSON text, never {@code null}
 * @param headers the headers, never {@code null}, possibly empty
 * @param committedAt the commit time of the transaction that wrote the message, never
 * {@code null}
 * @param lsn the WAL position the message was read at, never {@code null}
 * @param attempts the number of failed delivery attempts
 * @param lastError the class and message of the last failure, truncated, never holding
 * the payload; {@code null} if unknown
 * @param parkedAt when the message was parked, never {@code null}
 * @param handler the name of the handler whose last attempt failed; empty for a message
 * parked before handlers had names
 */
public record ParkedMessage(UUID id, String type, String key, String payload, Map<String, String> headers,
		Instant committedAt, Lsn lsn, int attempts, String lastError, Instant parkedAt, String handler) {

	public ParkedMessage {
		headers = (headers != null) ? Map.copyOf(headers) : Map.of();
		handler = (handler != null) ? handler : "";
	}

	/**
	 * Creates a parked message of no named handler.
	 */
	public ParkedMessage(UUID id, String type, String key, String payload, Map<String, String> headers,
			Instant committedAt, Lsn lsn, int attempts, String lastError, Instant parkedAt) {
		this(id, type, key, payload, headers, committedAt, lsn, attempts, lastError, parkedAt, "");
	}

	@Override
	public String toString() {
		// the payload is left out on purpose: it may hold personal data and ends up in
		// logs
		return "ParkedMessage[id=" + this.id + ", handler=" + this.handler + ", type=" + this.type + ", key=" + this.key
				+ ", lsn=" + this.lsn + ", attempts=" + this.attempts + ", lastError=" + this.lastError + ", parkedAt="
				+ this.parkedAt + "]";
	}

}
