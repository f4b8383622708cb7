package dev.pgoutbox.autoconfigure.endpoint;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.lang.Nullable;

import dev.pgoutbox.DeadLetters;
import dev.pgoutbox.autoconfigure.OutboxProperties;
import dev.pgoutbox.autoconfigure.OutboxStatusReader;
import dev.pgoutbox.relay.Relay;

/**
 * The {@code outbox} actuator endpoint: the relay's state and configuration, pause and
 * resume, and the dead letters (list, replay, delete). Like every actuator endpoint it is
 * exposed over HTTP only when the application says so.
 *
 * <ul>
 * <li>{@code GET /actuator/outbox}: state, slot positions, counts and configuration</li>
 * <li>{@code GET /actuator/outbox/dead-letters?offset=0&limit=50}: parked messages, their
 * payloads and header values masked unless {@code management.endpoint.outbox.show-values}
 * allows</li>
 * <li>{@code POST /actuator/outbox/pause}, {@code /resume}, {@code /replay-all}</li>
 * <li>{@code POST /actuator/outbox/replay/{id}}: one parked message back through the
 * outbox</li>
 * <li>{@code DELETE /actuator/outbox/dead-letters/{id}}: one parked message dropped</li>
 * </ul>
 */
@Endpoint(id = "outbox")
public class OutboxEndpoint {

	private static final String DEAD_LETTERS = "dead-letters";

	private static final int MAX_PAGE = 500;

	private final OutboxStatusReader reader;

	private final DeadLetters deadLetters;

	private final OutboxProperties properties;

	private final OutboxEndpointProperties endpointProperties;

	public OutboxEndpoint(OutboxStatusReader reader, DeadLetters deadLetters, OutboxProperties properties,
			OutboxEndpointProperties endpointProperties) {
		this.reader = reader;
		this.deadLetters = deadLetters;
		this.properties = properties;
		this.endpointProperties = endpointProperties;
	}

	@ReadOperation
	public Map<String, Object> status() {
		Map<String, Object> body = new LinkedHashMap<>(
				this.reader.read(this.properties.getHealth().getTimeout()).details());
		body.put("configuration", OutboxConfigurationView.of(this.properties));
		return body;
	}

	@ReadOperation
	public Map<String, Object> deadLetters(SecurityContext securityContext, @Selector String section,
			@Nullable Integer offset, @Nullable Integer limit) {
		requireSection(section);
		int from = (offset != null) ? offset : 0;
		int size = (limit != null) ? limit : 50;
		if (from < 0 || size < 1 || size > MAX_PAGE) {
			throw new InvalidEndpointRequestException("offset must be >= 0 and limit between 1 and " + MAX_PAGE,
					"Invalid page");
		}
		boolean showValues = this.endpointProperties.getShowValues()
			.isShown(securityContext, this.endpointProperties.getRoles());
		List<Map<String, Object>> page = this.deadLetters.list(from, size)
			.stream()
			.map((message) -> DeadLetterView.of(message, showValues))
			.toList();
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("total", this.deadLetters.count());
		body.put("offset", from);
		body.put("limit", size);
		body.put("messages", page);
		return body;
	}

	@WriteOperation
	public Map<String, Object> control(@Selector String action) {
		return switch (action) {
			case "pause" -> paused(true);
			case "resume" -> paused(false);
			case "replay-all" -> Map.of("replayed", this.deadLetters.replayAll());
			default -> throw new InvalidEndpointRequestException(
					"Unknown action '" + action + "': use pause, resume, replay-all or replay/{id}", "Unknown action");
		};
	}

	@WriteOperation
	public Map<String, Object> replay(@Selector String action, @Selector String id) {
		if (!"replay".equals(action)) {
			throw new InvalidEndpointRequestException("Unknown action '" + action + "': use replay/{id}",
					"Unknown action");
		}
		return Map.of("id", id, "replayed", this.deadLetters.replay(uuid(id)));
	}

	@DeleteOperation
	public Map<String, Object> delete(@Selector String section, @Selector String id) {
		requireSection(section);
		return Map.of("id", id, "deleted", this.deadLetters.delete(uuid(id)));
	}

	private Map<String, Object> paused(boolean paused) {
		Map<String, Relay> relays = this.reader.lifecycle().getRelays();
		if (relays.isEmpty()) {
			throw new InvalidEndpointRequestException("No outbox relay runs in this instance", "Not running");
		}
		relays.values().forEach((relay) -> relay.setPaused(paused));
		return Map.of("paused", paused, "partitions", List.copyOf(relays.keySet()));
	}

	private static void requireSection(String section) {
		if (!DEAD_LETTERS.equals(section)) {
			throw new InvalidEndpointRequestException("Unknown section '" + section + "': use " + DEAD_LETTERS,
					"Unknown section");
		}
	}

	private static UUID uuid(String id) {
		try {
			return UUID.fromString(id);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidEndpointRequestException("'" + id + "' is not a message id (a UUID)", "Invalid id");
		}
	}

}
