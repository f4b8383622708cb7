package dev.pgoutbox.autoconfigure.endpoint;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.pgoutbox.autoconfigure.OutboxProperties;
import dev.pgoutbox.relay.Failures;

/**
 * The configuration in effect as the endpoint shows it: every setting but passwords.
 */
final class OutboxConfigurationView {

	private OutboxConfigurationView() {
	}

	static Map<String, Object> of(OutboxProperties properties) {
		Map<String, Object> view = new LinkedHashMap<>();
		view.put("schema", properties.getSchema());
		view.put("table", properties.getTable());
		view.put("initializeSchema", properties.getInitializeSchema());
		view.put("maxPayloadSize", String.valueOf(properties.getMaxPayloadSize()));
		view.put("shutdownTimeout", String.valueOf(properties.getShutdownTimeout()));
		OutboxProperties.Replication replication = properties.getReplication();
		view.put("slotName", replication.getSlotName());
		view.put("publicationName", replication.getPublicationName());
		view.put("replicationUsername", replication.getUsername());
		view.put("replicationUrl", Failures.redact(replication.getUrl()));
		view.put("statusInterval", String.valueOf(replication.getStatusInterval()));
		OutboxProperties.Delivery delivery = properties.getDelivery();
		view.put("concurrency", delivery.getConcurrency());
		view.put("bufferSize", delivery.getBufferSize());
		view.put("publishTimeout", String.valueOf(delivery.getPublishTimeout()));
		view.put("retryInitialDelay", String.valueOf(delivery.getRetry().getInitialDelay()));
		view.put("retryMultiplier", delivery.getRetry().getMultiplier());
		view.put("retryMaxDelay", String.valueOf(delivery.getRetry().getMaxDelay()));
		view.put("retryJitter", delivery.getRetry().getJitter());
		view.put("retryMaxAttempts", delivery.getRetry().getMaxAttempts());
		view.put("healthMaxLag", String.valueOf(properties.getHealth().getMaxLag()));
		return view;
	}

}
