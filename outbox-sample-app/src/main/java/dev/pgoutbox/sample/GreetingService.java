package dev.pgoutbox.sample;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.pgoutbox.OutboxPublisher;

/**
 * Stores a greeting and publishes its event in the same transaction.
 */
@Service
public class GreetingService {

	private final JdbcClient jdbc;

	private final OutboxPublisher outbox;

	public GreetingService(JdbcClient jdbc, OutboxPublisher outbox) {
		this.jdbc = jdbc;
		this.outbox = outbox;
	}

	@Transactional
	public Greeting greet(String name) {
		long id = this.jdbc.sql("INSERT INTO greeting (name) VALUES (?) RETURNING id").param(name).query(Long.class).single();
		Greeting greeting = new Greeting(id, name);
		this.outbox.publish("GreetingCreated", name, greeting);
		return greeting;
	}

}
