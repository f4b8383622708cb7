package dev.pgoutbox.sample.embedded;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Condition behind {@link ConditionalOnMissingProperty}; binds the property, so that
 * {@code a,b}, {@code [a, b]} in YAML and {@code SPRING_KAFKA_BOOTSTRAPSERVERS} all count
 * as set.
 */
class OnMissingPropertyCondition extends SpringBootCondition {

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		String name = (String) metadata.getAnnotationAttributes(ConditionalOnMissingProperty.class.getName())
			.get("value");
		boolean set = Binder.get(context.getEnvironment()).bind(name, Bindable.listOf(String.class)).isBound();
		return set ? ConditionOutcome.noMatch("'" + name + "' is set")
				: ConditionOutcome.match("'" + name + "' is not set");
	}

}
