package dev.pgoutbox.autoconfigure.endpoint;

import java.beans.PropertyDescriptor;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import org.springframework.beans.BeanWrapper;
import org.springframework.beans.BeanWrapperImpl;

import dev.pgoutbox.autoconfigure.OutboxProperties;
import dev.pgoutbox.relay.Failures;

/**
 * The configuration in effect as the endpoint shows it: every property of the bound
 * {@link OutboxProperties}, walked rather than listed so that a new setting shows without
 * anyone remembering to add it here, nested as the {@code outbox.*} keys are, and no
 * secret: passwords and the like are masked, a URL's password is cut out.
 */
final class OutboxConfigurationView {

	static final String MASK = "******";

	private static final Pattern SECRET = Pattern.compile("(?i).*(password|secret|token|credential).*");

	private OutboxConfigurationView() {
	}

	static Map<String, Object> of(OutboxProperties properties) {
		return describe(properties);
	}

	private static Map<String, Object> describe(Object bean) {
		BeanWrapper wrapper = new BeanWrapperImpl(bean);
		Map<String, Object> view = new LinkedHashMap<>();
		for (PropertyDescriptor property : wrapper.getPropertyDescriptors()) {
			String name = property.getName();
			// a deprecated setting is shown under the name that replaced it
			if (property.getReadMethod() == null || "class".equals(name)
					|| property.getReadMethod().isAnnotationPresent(Deprecated.class)) {
				continue;
			}
			Object value = wrapper.getPropertyValue(name);
			// unset settings are left out, as Boot's configprops endpoint does
			if (value != null) {
				view.put(name, value(name, value));
			}
		}
		return view;
	}

	private static Object value(String name, Object value) {
		if (SECRET.matcher(name).matches()) {
			return MASK;
		}
		if (isGroup(value)) {
			return describe(value);
		}
		if (value instanceof String text) {
			return "url".equals(name) ? Failures.redact(text) : text;
		}
		if (value instanceof Collection<?> values) {
			return values.stream().map(String::valueOf).toList();
		}
		if (value instanceof Number || value instanceof Boolean) {
			return value;
		}
		// durations, data sizes and enums in the form the properties take them
		return String.valueOf(value);
	}

	/** Whether a value is one of the nested groups of settings, such as replication. */
	private static boolean isGroup(Object value) {
		Class<?> type = value.getClass();
		return !type.isEnum() && type.getEnclosingClass() == OutboxProperties.class;
	}

}
