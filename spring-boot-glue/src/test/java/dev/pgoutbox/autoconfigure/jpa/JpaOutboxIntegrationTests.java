package dev.pgoutbox.autoconfigure.jpa;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.OutboxPublisher;
import dev.pgoutbox.testsupport.BootLine;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.RecordingPublisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * {@link OutboxPublisher} inside a {@code JpaTransactionManager} transaction: the message
 * commits and rolls back with the entity.
 */
class JpaOutboxIntegrationTests {

	@ParameterizedTest(name = "outbox.store={0}")
	@ValueSource(strings = { "table", "wal" })
	void messageCommitsAndRollsBackWithTheEntity(String store) {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		RecordingPublisher publisher = new RecordingPublisher();
		OutboxContexts.runner(target)
			.withConfiguration(BootLine.jpa())
			.withUserConfiguration(JpaApplication.class)
			.withPropertyValues("spring.jpa.hibernate.ddl-auto=create", "spring.jpa.open-in-view=false",
					"outbox.store=" + store)
			.withBean(MessagePublisher.class, () -> publisher)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean("transactionManager").getClass().getSimpleName())
					.isEqualTo("JpaTransactionManager");
				OrderService orders = context.getBean(OrderService.class);
				assertThatIllegalStateException().isThrownBy(() -> orders.place("declined", true));
				UUID placed = orders.place("book", false);

				publisher.awaitMessage((message) -> message.key().equals(placed.toString()), Duration.ofSeconds(30));
				assertThat(orders.count()).isEqualTo(1);
				assertThat(publisher.received()).extracting(OutboxMessage::key).containsExactly(placed.toString());
				assertThat(publisher.received().get(0).payload()).isEqualTo("{\"item\":\"book\"}");
			});
	}

	@Configuration(proxyBeanMethods = false)
	@AutoConfigurationPackage
	static class JpaApplication {

		@Bean
		OrderService orderService(OutboxPublisher outbox) {
			return new OrderService(outbox);
		}

	}

}
