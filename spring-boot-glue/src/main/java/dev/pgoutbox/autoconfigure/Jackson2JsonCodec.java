package dev.pgoutbox.autoconfigure;

import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import dev.pgoutbox.JsonCodec;

/**
 * {@link JsonCodec} over a Jackson 2 {@link ObjectMapper}, normally the application's, so
 * that its {@code spring.jackson.*} settings and modules apply. Thread-safe.
 */
public class Jackson2JsonCodec implements JsonCodec {

	private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {
	};

	private final ObjectMapper mapper;

	/**
	 * Creates a codec over the given mapper.
	 * @param mapper the mapper, not {@code null}
	 */
	public Jackson2JsonCodec(ObjectMapper mapper) {
		if (mapper == null) {
			throw new IllegalArgumentException("'mapper' must not be null");
		}
		this.mapper = mapper;
	}

	/**
	 * Creates a codec for an application without a mapper bean, with the modules on the
	 * classpath and dates as ISO-8601 text, as Spring Boot's own Jackson defaults have
	 * it.
	 * @return the codec
	 */
	public static Jackson2JsonCodec withBootDefaults() {
		return new Jackson2JsonCodec(JsonMapper.builder()
			.findAndAddModules()
			.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
			.disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
			.build());
	}

	@Override
	public String write(Object value) {
		try {
			return this.mapper.writeValueAsString(value);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalArgumentException(ex.getOriginalMessage(), ex);
		}
	}

	@Override
	public Map<String, String> readStringMap(String json) {
		try {
			return this.mapper.readValue(json, STRING_MAP);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalArgumentException(ex.getOriginalMessage(), ex);
		}
	}

}
