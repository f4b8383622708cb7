package dev.pgoutbox.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link OutboxStartupException} as what went wrong and how to fix it.
 */
class OutboxFailureAnalyzer extends AbstractFailureAnalyzer<OutboxStartupException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, OutboxStartupException cause) {
		return new FailureAnalysis(cause.getMessage(), cause.getAction(), cause);
	}

}
