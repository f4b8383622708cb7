package dev.pgoutbox.autoconfigure.endpoint;

import java.util.HashSet;
import java.util.Set;

import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties of the {@code outbox} endpoint.
 */
@ConfigurationProperties("management.endpoint.outbox")
public class OutboxEndpointProperties {

	/**
	 * When to show the payloads and header values of dead letters, which may hold
	 * personal data; otherwise they are masked.
	 */
	private Show showValues = Show.NEVER;

	/**
	 * Roles that may see dead letters' values when show-values is when-authorized; any
	 * authenticated user when empty.
	 */
	private Set<String> roles = new HashSet<>();

	public Show getShowValues() {
		return this.showValues;
	}

	public void setShowValues(Show showValues) {
		this.showValues = showValues;
	}

	public Set<String> getRoles() {
		return this.roles;
	}

	public void setRoles(Set<String> roles) {
		this.roles = roles;
	}

}
