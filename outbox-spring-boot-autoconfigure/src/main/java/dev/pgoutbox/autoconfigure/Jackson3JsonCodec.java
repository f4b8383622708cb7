package dev.pgoutbox.autoconfigure;

import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import dev.pgoutbox.JsonCodec;

/**
 * {@link JsonCodec} over a Jackson 3 {@link JsonMapper}, normally the application's, so
 * that its {@code spring.jackson.*} settings and modules apply. Thread-safe.
 */
public class Jackson3JsonCodec implements JsonCodec {

	private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {
	};

	private final JsonMapper mapper;

	/**
	 * Creates a codec over the given mapper.
	 * @param mapper the mapper, not {@code null}
	 */
	public Jackson3JsonCodec(JsonMapper mapper) {
		if (mapper == null) {
			throw new IllegalArgumentException("'mapper' must not be null");
		}
		this.mapper = mapper;
	}

	@Override
	public String write(Object value) {
		try {
			return this.mapper.writeValueAsString(value);
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException(ex.getOriginalMessage(), ex);
		}
	}

	@Override
	public Map<String, String> readStringMap(String json) {
		try {
			return this.mapper.readValue(json, STRING_MAP);
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException(ex.getOriginalMessage(), ex);
		}
	}

}
