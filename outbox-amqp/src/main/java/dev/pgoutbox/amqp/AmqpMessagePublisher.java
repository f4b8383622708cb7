package dev.pgoutbox.amqp;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.ShutdownSignalException;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.core.ReturnedMessage;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

import dev.pgoutbox.AsyncMessagePublisher;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.UndeliverableMessageException;

/**
 * Sends each outbox message to an AMQP 0-9-1 exchange (RabbitMQ and compatible brokers)
 * and reports it sent only once the broker has confirmed it. It is asynchronous: the
 * outbox keeps many keys' messages awaiting their confirms at once, one message per key
 * at a time.
 *
 * <p>
 * The message goes to the exchange and with the routing key of its type's route, or of
 * the default route, each a template over {@code {type}}, {@code {key}} and
 * {@code {partition}}. Its AMQP properties: message id = outbox id, type = message type,
 * timestamp = commit time (AMQP carries seconds), content type {@code application/json},
 * content encoding {@code UTF-8}, delivery mode persistent; its headers are the message's
 * headers plus {@value #KEY_HEADER}, {@value #PARTITION_HEADER} and
 * {@value #COMMITTED_AT_HEADER} (the commit time to the microsecond, ISO-8601), which
 * replace application headers of the same names.
 *
 * <p>
 * It publishes with the mandatory flag and awaits the broker's confirm, so the template's
 * connection factory must have correlated publisher confirms and publisher returns. A
 * send fails, and the outbox retries the message, when the broker nacks it, returns it as
 * unroutable, does not confirm it within the confirm timeout, or cannot be reached. It
 * fails with {@link UndeliverableMessageException}, and the outbox parks the message at
 * once, when no retry can help: the exchange name or routing key the templates give is
 * longer than AMQP allows, the payload is larger than the configured maximum, or the
 * broker closes the channel with access refused (403), precondition failed (406, e.g. a
 * message larger than the broker's maximum) or content too large (311). A missing
 * exchange (404) is retried: it may be declared later.
 *
 * <p>
 * Thread-safe.
 */
public class AmqpMessagePublisher implements AsyncMessagePublisher {

	/** Header carrying the message's ordering key. */
	public static final String KEY_HEADER = "outbox-key";

	/** Header carrying the partition the message was written to. */
	public static final String PARTITION_HEADER = "outbox-partition";

	/** Header carrying the commit time, ISO-8601 to the microsecond. */
	public static final String COMMITTED_AT_HEADER = "outbox-committed-at";

	/**
	 * Channel errors that say the broker refuses the message itself, not a passing state.
	 */
	private static final Set<Integer> PERMANENT_REPLY_CODES = Set.of(AMQP.ACCESS_REFUSED, AMQP.PRECONDITION_FAILED,
			AMQP.CONTENT_TOO_LARGE);

	private static final Pattern REPLY_CODE = Pattern.compile("reply-code=(\\d+)");

	private final AtomicLong attempts = new AtomicLong();

	private final RabbitTemplate template;

	private final Routes routes;

	private final Duration confirmTimeout;

	private final long maxMessageBytes;

	/**
	 * Creates a publisher from the {@code outbox.amqp} configuration.
	 * @param template the template to publish with: mandatory, over a connection factory
	 * with correlated publisher confirms and publisher returns
	 * @param properties the configuration; its templates are parsed here
	 * @throws IllegalArgumentException if the template cannot report confirms and
	 * returns, or a name template is invalid
	 */
	public AmqpMessagePublisher(RabbitTemplate template, OutboxAmqpProperties properties) {
		this.template = requireConfirmsAndReturns(template);
		this.routes = new Routes(properties);
		if (properties.getConfirmTimeout() == null || properties.getConfirmTimeout().isNegative()
				|| properties.getConfirmTimeout().isZero()) {
			throw new IllegalArgumentException(
					"outbox.amqp.confirm-timeout must be positive, not " + properties.getConfirmTimeout());
		}
		this.confirmTimeout = properties.getConfirmTimeout();
		this.maxMessageBytes = (properties.getMaxMessageSize() != null) ? properties.getMaxMessageSize().toBytes()
				: Long.MAX_VALUE;
	}

	private static RabbitTemplate requireConfirmsAndReturns(RabbitTemplate template) {
		ConnectionFactory connectionFactory = template.getConnectionFactory();
		if (!connectionFactory.isPublisherConfirms() || !connectionFactory.isPublisherReturns()) {
			throw new IllegalArgumentException("The connection factory must have correlated publisher confirms and "
					+ "publisher returns for the outbox to know whether the broker took a message");
		}
		if (!Boolean.TRUE.equals(template.isMandatoryFor(new Message(new byte[0])))) {
			throw new IllegalArgumentException(
					"The RabbitTemplate must be mandatory for the broker to return messages it cannot route");
		}
		return template;
	}

	/**
	 * Sends the message and returns a stage that completes once the broker confirmed it,
	 * and exceptionally on a nack, a return or no confirm within the confirm timeout.
	 */
	@Override
	public CompletableFuture<?> publishAsync(OutboxMessage message) throws Exception {
		Routes.Destination destination;
		try {
			destination = this.routes.destination(message);
		}
		catch (IllegalArgumentException ex) {
			throw new UndeliverableMessageException(message + " has no valid AMQP destination: " + ex.getMessage(), ex);
		}
		byte[] body = message.payload().getBytes(StandardCharsets.UTF_8);
		if (body.length > this.maxMessageBytes) {
			throw new UndeliverableMessageException(message + " has a payload of " + body.length
					+ " bytes, more than outbox.amqp.max-message-size (" + this.maxMessageBytes + " bytes)", null);
		}
		CorrelationData correlation = new CorrelationData(message.id() + "/" + this.attempts.incrementAndGet());
		try {
			this.template.send(destination.exchange(), destination.routingKey(), toAmqp(message, body), correlation);
		}
		catch (AmqpException ex) {
			throw classify(ex, message);
		}
		CompletableFuture<Void> confirmed = new CompletableFuture<>();
		correlation.getFuture()
			.orTimeout(this.confirmTimeout.toNanos(), TimeUnit.NANOSECONDS)
			.whenComplete((confirm, thrown) -> {
				try {
					check(message, destination, correlation, confirm, thrown);
					confirmed.complete(null);
				}
				catch (Exception | Error ex) {
					confirmed.completeExceptionally(ex);
				}
			});
		return confirmed;
	}

	private void check(OutboxMessage message, Routes.Destination destination, CorrelationData correlation,
			CorrelationData.Confirm confirm, Throwable thrown) throws Exception {
		if (thrown instanceof TimeoutException ex) {
			TimeoutException timeout = new TimeoutException("The broker did not confirm " + message + " to exchange '"
					+ destination.exchange() + "' within " + this.confirmTimeout.toMillis() + " ms");
			timeout.initCause(ex);
			throw timeout;
		}
		if (thrown != null) {
			throw new AmqpException("Waiting for the confirm of " + message + " failed",
					(thrown instanceof ExecutionException && thrown.getCause() != null) ? thrown.getCause() : thrown);
		}
		// the broker sends a return before the confirm, and Spring AMQP records it on the
		// correlation before completing the future; RabbitMQ then acks the returned
		// message, other brokers (Qpid Broker-J) nack it
		ReturnedMessage returned = correlation.getReturned();
		if (returned != null) {
			throw new UnroutableMessageException(message, returned);
		}
		if (!confirm.ack()) {
			String reason = "The broker did not take " + message + " (exchange '" + destination.exchange()
					+ "', routing key '" + destination.routingKey() + "'): " + confirm.reason();
			if (isPermanent(replyCode(confirm.reason()))) {
				throw new UndeliverableMessageException(reason, null);
			}
			throw new AmqpException(reason);
		}
	}

	private static Message toAmqp(OutboxMessage message, byte[] body) {
		MessageProperties properties = new MessageProperties();
		properties.setMessageId(message.id().toString());
		properties.setType(message.type());
		properties.setTimestamp(Date.from(message.committedAt()));
		properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
		properties.setContentEncoding(StandardCharsets.UTF_8.name());
		properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
		Map<String, Object> headers = new HashMap<>(message.headers());
		headers.put(KEY_HEADER, message.key());
		headers.put(PARTITION_HEADER, message.partition());
		headers.put(COMMITTED_AT_HEADER, message.committedAt().toString());
		headers.forEach(properties::setHeader);
		return new Message(body, properties);
	}

	private static Exception classify(AmqpException failure, OutboxMessage message) {
		for (Throwable cause = failure; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
			int code = -1;
			if (cause instanceof ShutdownSignalException shutdown
					&& shutdown.getReason() instanceof AMQP.Channel.Close close) {
				code = close.getReplyCode();
			}
			else {
				code = replyCode(cause.getMessage());
			}
			if (isPermanent(code)) {
				return new UndeliverableMessageException(
						"The broker refused " + message + " with reply code " + code + ": " + cause.getMessage(),
						failure);
			}
		}
		return failure;
	}

	private static int replyCode(String text) {
		if (text == null) {
			return -1;
		}
		Matcher matcher = REPLY_CODE.matcher(text);
		return matcher.find() ? Integer.parseInt(matcher.group(1)) : -1;
	}

	private static boolean isPermanent(int replyCode) {
		return PERMANENT_REPLY_CODES.contains(replyCode);
	}

	/**
	 * Thrown when the broker returned a message because no queue was bound to take it;
	 * retried, since a binding may appear.
	 */
	public static class UnroutableMessageException extends AmqpException {

		private static final long serialVersionUID = 1L;

		private final int replyCode;

		UnroutableMessageException(OutboxMessage message, ReturnedMessage returned) {
			super("The broker could not route " + message + " from exchange '" + returned.getExchange()
					+ "' with routing key '" + returned.getRoutingKey() + "': " + returned.getReplyCode() + " "
					+ returned.getReplyText());
			this.replyCode = returned.getReplyCode();
		}

		/**
		 * Returns the reply code of the broker's return, {@code 312} (no route) as a
		 * rule.
		 * @return the reply code
		 */
		public int getReplyCode() {
			return this.replyCode;
		}

	}

}
