package dev.pgoutbox.sample;

import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.pgoutbox.OutboxMessage;

/**
 * Writes greetings and shows what the relay delivered.
 */
@RestController
class GreetingController {

	private final GreetingService greetings;

	private final LoggingMessagePublisher publisher;

	GreetingController(GreetingService greetings, LoggingMessagePublisher publisher) {
		this.greetings = greetings;
		this.publisher = publisher;
	}

	@PostMapping("/greetings")
	Greeting greet(@RequestParam String name) {
		return this.greetings.greet(name);
	}

	@GetMapping("/delivered")
	List<OutboxMessage> delivered() {
		return this.publisher.recent();
	}

}
