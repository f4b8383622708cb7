package dev.pgoutbox.sample.embedded;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Conditional;

/**
 * Matches when a property is not set in any form: neither as a value nor as a list, in
 * any of Spring Boot's relaxed spellings (for example an environment variable).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
@Documented
@Conditional(OnMissingPropertyCondition.class)
@interface ConditionalOnMissingProperty {

	/**
	 * The name of the property, in its canonical form.
	 * @return the property name
	 */
	String value();

}
