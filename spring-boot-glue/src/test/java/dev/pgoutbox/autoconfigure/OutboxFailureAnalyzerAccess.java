package dev.pgoutbox.autoconfigure;

import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Lets tests in other packages run the package-private failure analyzer as Spring Boot
 * would.
 */
public final class OutboxFailureAnalyzerAccess {

	private OutboxFailureAnalyzerAccess() {
	}

	public static FailureAnalysis analyze(Throwable failure) {
		return new OutboxFailureAnalyzer().analyze(failure);
	}

}
