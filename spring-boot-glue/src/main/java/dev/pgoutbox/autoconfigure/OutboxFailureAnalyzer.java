package dev.pgoutbox.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.pgoutbox.OutboxConfigurationException;

/**
 * Reports an {@link OutboxConfigurationException}, of the starter or of a broker module,
 * as what went wrong and how to fix it.
 */
class OutboxFailureAnalyzer extends AbstractFailureAnalyzer<OutboxConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, OutboxConfigurationException cause) {
		return new FailureAnalysis(cause.getMessage(), cause.getAction(), cause);
	}

}
