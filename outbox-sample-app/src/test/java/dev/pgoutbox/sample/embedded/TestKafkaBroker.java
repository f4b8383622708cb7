package dev.pgoutbox.sample.embedded;

import java.nio.file.Path;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The sample's embedded Kafka broker for tests outside this package: started the way the
 * sample starts it, by {@link EmbeddedKafkaConfiguration} with the sample's
 * {@code application.yml} (and so its log levels), on a free port of the loopback
 * interface and a data directory of the test's choosing.
 *
 * <p>
 * Not a bean and not annotated, so that no component scan of the sample picks it up.
 */
public final class TestKafkaBroker implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private TestKafkaBroker(ConfigurableApplicationContext context) {
		this.context = context;
	}

	/**
	 * Starts a broker on a free port; returns once it takes requests.
	 * @param dataDir the broker's data directory, formatted if empty
	 * @return the running broker
	 */
	public static TestKafkaBroker start(Path dataDir) {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(EmbeddedKafkaConfiguration.class)
			.web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			// command-line arguments, as application.yml would override default
			// properties
			.run("--sample.embedded-kafka.data-dir=" + dataDir.toAbsolutePath(), "--sample.embedded-kafka.port=0");
		return new TestKafkaBroker(context);
	}

	/**
	 * Returns where clients connect.
	 * @return {@code host:port}
	 */
	public String bootstrapServers() {
		return this.context.getBean(EmbeddedKafkaBroker.class).bootstrapServers();
	}

	/**
	 * Stops the broker and waits until it has stopped; does nothing if it already has.
	 */
	@Override
	public void close() {
		this.context.close();
	}

}
