package dev.pgoutbox.testsupport;

import java.util.Map;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.liquibase.autoconfigure.LiquibaseAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration;
import org.springframework.boot.micrometer.tracing.brave.autoconfigure.BraveAutoConfiguration;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.context.ApplicationContext;

import dev.pgoutbox.JsonCodec;
import dev.pgoutbox.autoconfigure.Jackson3JsonCodec;
import dev.pgoutbox.autoconfigure.health.OutboxHealthIndicator;

/**
 * What the shared tests need of Spring Boot 4.x that its other line names differently:
 * the auto-configurations a test application is made of, and health as plain values.
 */
public final class BootLine {

	/**
	 * The name of the Hibernate JPA auto-configuration, for applications that exclude it.
	 */
	public static final String HIBERNATE = "org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration";

	/**
	 * The name of the JPA repositories auto-configuration, for applications that exclude
	 * it.
	 */
	public static final String JPA_REPOSITORIES = "org.springframework.boot.data.jpa.autoconfigure.DataJpaRepositoriesAutoConfiguration";

	/**
	 * The name of the Flyway auto-configuration, for applications that have no
	 * migrations.
	 */
	public static final String FLYWAY = "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration";

	/**
	 * The name of the Liquibase auto-configuration, for applications that have no change
	 * log.
	 */
	public static final String LIQUIBASE = "org.springframework.boot.liquibase.autoconfigure.LiquibaseAutoConfiguration";

	private BootLine() {
	}

	/**
	 * Data source, transactions and Jackson, as an application with the JDBC starter has.
	 */
	public static AutoConfigurations jdbc() {
		return AutoConfigurations.of(DataSourceAutoConfiguration.class,
				DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
				JacksonAutoConfiguration.class);
	}

	/**
	 * Health, endpoints, metrics with a simple registry (unless the test brings its own)
	 * and observations timed by it, as the actuator starter has.
	 */
	public static AutoConfigurations actuator() {
		return AutoConfigurations.of(HealthContributorAutoConfiguration.class,
				HealthContributorRegistryAutoConfiguration.class, HealthEndpointAutoConfiguration.class,
				EndpointAutoConfiguration.class, MetricsAutoConfiguration.class,
				SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
				ObservationAutoConfiguration.class);
	}

	/** Observations and Brave tracing. */
	public static AutoConfigurations tracing() {
		return AutoConfigurations.of(ObservationAutoConfiguration.class, MicrometerTracingAutoConfiguration.class,
				BraveAutoConfiguration.class);
	}

	/** Flyway migrations. */
	public static AutoConfigurations flyway() {
		return AutoConfigurations.of(FlywayAutoConfiguration.class);
	}

	/** Liquibase change logs. */
	public static AutoConfigurations liquibase() {
		return AutoConfigurations.of(LiquibaseAutoConfiguration.class);
	}

	/** JPA with Hibernate. */
	public static AutoConfigurations jpa() {
		return AutoConfigurations.of(HibernateJpaAutoConfiguration.class);
	}

	/** The JSON codec the outbox uses on this line when the application has no mapper. */
	public static JsonCodec json() {
		return new Jackson3JsonCodec(JsonMapper.builder().build());
	}

	/** The outbox's health as its status code and details. */
	public record HealthReading(String status, Map<String, Object> details) {
	}

	/** Reads the outbox health indicator of a context. */
	public static HealthReading health(ApplicationContext context) {
		Health health = context.getBean(OutboxHealthIndicator.class).health();
		return new HealthReading(health.getStatus().getCode(), health.getDetails());
	}

}
