package dev.pgoutbox;

import java.util.Map;

/**
 * Turns payloads and headers into JSON text and headers back: the outbox's only contact
 * with a JSON library, so that the engine forces no Jackson version on an application.
 * Each Spring Boot line implements it with the application's own mapper.
 *
 * <p>
 * Implementations are thread-safe.
 */
public interface JsonCodec {

	/**
	 * Writes a value as JSON text.
	 * @param value the value, not {@code null}
	 * @return the JSON text, never {@code null}
	 * @throws IllegalArgumentException if the value cannot be written as JSON
	 */
	String write(Object value);

	/**
	 * Reads a JSON object whose values are all strings.
	 * @param json the JSON text, not {@code null}
	 * @return the object's members in their order, never {@code null}
	 * @throws IllegalArgumentException if the text is not such an object
	 */
	Map<String, String> readStringMap(String json);

	/**
	 * Writes headers as the outbox tables store them: an empty map as SQL {@code NULL}.
	 * @param headers the headers, may be {@code null}
	 * @return the JSON text, or {@code null} for no headers
	 */
	default String writeHeaders(Map<String, String> headers) {
		return (headers == null || headers.isEmpty()) ? null : write(headers);
	}

	/**
	 * Reads headers as the outbox tables store them.
	 * @param json the stored JSON text, may be {@code null}
	 * @return the headers, never {@code null}, empty for {@code null} text
	 * @throws IllegalArgumentException if the text is not a JSON object of strings
	 */
	default Map<String, String> readHeaders(String json) {
		return (json == null || json.equals("{}")) ? Map.of() : readStringMap(json);
	}

}
