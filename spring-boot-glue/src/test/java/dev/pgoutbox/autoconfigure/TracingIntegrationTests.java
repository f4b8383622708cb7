package dev.pgoutbox.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.TraceContext;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.pgoutbox.AsyncMessagePublisher;
import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.BootLine;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.Probes;
import dev.pgoutbox.testsupport.RecordingPublisher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With Micrometer Tracing on the classpath, the trace of the request that wrote a message
 * continues through the WAL into the span of its delivery.
 */
class TracingIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@Test
	void deliverySpanContinuesTheTraceOfTheWritingRequest() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		CollectingSpanHandler spans = new CollectingSpanHandler();
		OutboxContexts.runner(target)
			.withConfiguration(BootLine.tracing())
			.withPropertyValues("management.tracing.sampling.probability=1.0")
			.withBean(SpanHandler.class, () -> spans)
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Probes.awaitState(context, RelayState.RUNNING, WAIT);
				Tracer tracer = context.getBean(Tracer.class);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				Span request = tracer.nextSpan().name("request").start();
				UUID id;
				try (Tracer.SpanInScope scope = tracer.withSpan(request)) {
					id = outbox.publish("OrderPlaced", "order-1", Map.of("total", 1), Map.of("tenant", "a"));
				}
				finally {
					request.end();
				}
				OutboxMessage message = publisher.awaitMessage((m) -> m.id().equals(id), WAIT);
				assertThat(message.headers()).containsEntry("tenant", "a").containsKey("traceparent");
				assertThat(message.headers().get("traceparent")).contains(request.context().traceId());

				Awaitility.await().atMost(WAIT).until(() -> spans.named("outbox deliver") != null);
				MutableSpan write = spans.named("outbox write");
				MutableSpan deliver = spans.named("outbox deliver");
				assertThat(write.traceId()).isEqualTo(request.context().traceId());
				assertThat(write.parentId()).isEqualTo(request.context().spanId());
				assertThat(deliver.traceId()).isEqualTo(request.context().traceId());
				assertThat(deliver.parentId()).isEqualTo(write.id());
				assertThat(deliver.tag("outbox.message.id")).isEqualTo(id.toString());
				assertThat(deliver.tag("outbox.message.type")).isEqualTo("OrderPlaced");
				assertThat(deliver.tag("slot")).isEqualTo(target.slot());
				assertThat(deliver.tag("partition")).isEqualTo("default");
			});
	}

	@Test
	void asyncDeliverySpanIsCurrentAtHandOverAndEndsWithTheBrokersAnswer() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		CollectingSpanHandler spans = new CollectingSpanHandler();
		AtomicReference<Tracer> tracerHolder = new AtomicReference<>();
		List<String> tracesAtHandOver = Collections.synchronizedList(new ArrayList<>());
		CompletableFuture<Void> firstAnswer = new CompletableFuture<>();
		AtomicInteger calls = new AtomicInteger();
		AsyncMessagePublisher publisher = (message) -> {
			Span current = tracerHolder.get().currentSpan();
			tracesAtHandOver.add((current != null) ? current.context().traceId() : "none");
			return (calls.incrementAndGet() == 1) ? firstAnswer : CompletableFuture.completedFuture(null);
		};
		OutboxContexts.runner(target)
			.withConfiguration(BootLine.tracing())
			.withPropertyValues("management.tracing.sampling.probability=1.0", "outbox.delivery.concurrency=1",
					"outbox.delivery.retry.initial-delay=10ms")
			.withBean(SpanHandler.class, () -> spans)
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				Probes.awaitState(context, RelayState.RUNNING, WAIT);
				Tracer tracer = context.getBean(Tracer.class);
				tracerHolder.set(tracer);
				OutboxPublisher outbox = context.getBean(OutboxPublisher.class);
				Span request = tracer.nextSpan().name("request").start();
				UUID first;
				UUID second;
				try (Tracer.SpanInScope scope = tracer.withSpan(request)) {
					first = outbox.publish("OrderPlaced", "order-1", Map.of("total", 1));
					second = outbox.publish("OrderPlaced", "order-2", Map.of("total", 2));
				}
				finally {
					request.end();
				}
				// one delivery thread, and the second key went while the first waits on
				// the broker, whose delivery span stays open until the broker answers
				Awaitility.await().atMost(WAIT).until(() -> spans.allNamed("outbox deliver").size() == 1);
				assertThat(spans.named("outbox deliver").tag("outbox.message.id")).isEqualTo(second.toString());
				assertThat(firstAnswer).isNotDone();

				firstAnswer.completeExceptionally(new IllegalStateException("broker away"));
				Awaitility.await().atMost(WAIT).until(() -> spans.allNamed("outbox deliver").size() == 3);
				List<MutableSpan> deliveries = spans.allNamed("outbox deliver");
				assertThat(deliveries)
					.allSatisfy((span) -> assertThat(span.traceId()).isEqualTo(request.context().traceId()));
				assertThat(deliveries.get(1).tag("outbox.message.id")).isEqualTo(first.toString());
				assertThat(deliveries.get(1).error()).hasMessage("broker away");
				assertThat(deliveries.get(2).tag("outbox.message.id")).isEqualTo(first.toString());
				assertThat(deliveries.get(2).error()).isNull();
				assertThat(tracesAtHandOver).hasSize(3).containsOnly(request.context().traceId());
			});
	}

	/** Keeps every finished span. */
	static class CollectingSpanHandler extends SpanHandler {

		private final List<MutableSpan> spans = Collections.synchronizedList(new ArrayList<>());

		@Override
		public boolean end(TraceContext context, MutableSpan span, Cause cause) {
			this.spans.add(span);
			return true;
		}

		List<MutableSpan> allNamed(String name) {
			synchronized (this.spans) {
				return this.spans.stream().filter((span) -> name.equals(span.name())).toList();
			}
		}

		MutableSpan named(String name) {
			synchronized (this.spans) {
				return this.spans.stream().filter((span) -> name.equals(span.name())).findFirst().orElse(null);
			}
		}

	}

}
