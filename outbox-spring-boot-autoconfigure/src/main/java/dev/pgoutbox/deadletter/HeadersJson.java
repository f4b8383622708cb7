package dev.pgoutbox.deadletter;

import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Message headers as the JSON object the tables store them in.
 */
final class HeadersJson {

	private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
	};

	private static final ObjectMapper JSON = new ObjectMapper();

	private HeadersJson() {
	}

	static String write(Map<String, String> headers) {
		if (headers == null || headers.isEmpty()) {
			return null;
		}
		try {
			return JSON.writeValueAsString(headers);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException("Headers could not be written as JSON", ex);
		}
	}

	static Map<String, String> read(String json) {
		if (json == null || json.equals("{}")) {
			return Map.of();
		}
		try {
			return JSON.readValue(json, HEADERS);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException("Dead-letter headers are not a JSON object of strings", ex);
		}
	}

}
