package dev.pgoutbox.autoconfigure;

import java.util.Set;

import org.springframework.boot.sql.init.dependency.AbstractBeansOfTypeDatabaseInitializerDetector;
import org.springframework.core.Ordered;

/**
 * Tells Spring Boot that {@link OutboxSchemaInitializer} initializes the database, so
 * that it runs after Flyway and Liquibase (whose detectors come earlier), and beans that
 * depend on database initialization run after it.
 */
class OutboxSchemaInitializerDetector extends AbstractBeansOfTypeDatabaseInitializerDetector {

	@Override
	protected Set<Class<?>> getDatabaseInitializerBeanTypes() {
		return Set.of(OutboxSchemaInitializer.class);
	}

	@Override
	public int getOrder() {
		// last: the outbox's tables may be created, or only checked, after every
		// migration
		return Ordered.LOWEST_PRECEDENCE;
	}

}
