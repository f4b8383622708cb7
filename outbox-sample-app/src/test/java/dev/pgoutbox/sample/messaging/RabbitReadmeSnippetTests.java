package dev.pgoutbox.sample.messaging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the RabbitMQ example in the README identical to the class that is compiled and
 * tested here, so that the example cannot rot.
 */
class RabbitReadmeSnippetTests {

	private static final Path README = Path.of("..", "README.md");

	private static final Path SOURCE = Path
		.of("src/main/java/dev/pgoutbox/sample/messaging/RabbitMessagePublisher.java");

	@Test
	void readmeShowsRabbitMessagePublisherAsCompiled() throws IOException {
		// the java block (no ``` inside) that holds the class
		Matcher snippet = Pattern
			.compile("```java\n((?:(?!```).)*class RabbitMessagePublisher (?:(?!```).)*)```", Pattern.DOTALL)
			.matcher(Files.readString(README));
		assertThat(snippet.find()).as("a java block with class RabbitMessagePublisher in %s", README).isTrue();
		String source = Files.readString(SOURCE).replaceFirst("(?s)^package [^;]+;\\s*", "").replace("\t", "    ");
		assertThat(snippet.group(1)).isEqualTo(source);
	}

}
