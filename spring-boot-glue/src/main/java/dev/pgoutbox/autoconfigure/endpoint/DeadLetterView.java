package dev.pgoutbox.autoconfigure.endpoint;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.pgoutbox.ParkedMessage;

/**
 * A parked message as the endpoint shows it. The payload and the header values may hold
 * personal data, so they are shown only where
 * {@code management.endpoint.outbox.show-values} allows and masked otherwise; what an
 * operator needs to decide on a replay (id, type, key, attempts, the last error, which
 * never holds the payload) is always shown.
 */
final class DeadLetterView {

	static final String MASK = "******";

	private DeadLetterView() {
	}

	static Map<String, Object> of(ParkedMessage message, boolean showValues) {
		Map<String, Object> view = new LinkedHashMap<>();
		view.put("id", message.id().toString());
		view.put("type", message.type());
		view.put("key", message.key());
		view.put("payload", showValues ? message.payload() : MASK);
		view.put("headers", showValues ? message.headers() : masked(message.headers()));
		view.put("committedAt", String.valueOf(message.committedAt()));
		view.put("attempts", message.attempts());
		view.put("lastError", message.lastError());
		view.put("parkedAt", String.valueOf(message.parkedAt()));
		view.put("handler", message.handler());
		return view;
	}

	private static Map<String, String> masked(Map<String, String> headers) {
		Map<String, String> masked = new LinkedHashMap<>();
		headers.keySet().forEach((name) -> masked.put(name, MASK));
		return masked;
	}

}
