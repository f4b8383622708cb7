package dev.pgoutbox.benchmark;

/**
 * Messages handled between the first and the last, and the JVM's CPU time meanwhile.
 *
 * @param count the messages, the first included
 * @param elapsedNanos from the first message to the last
 * @param cpuNanos CPU time of this JVM (all threads) over the same span
 */
record Throughput(long count, long elapsedNanos, long cpuNanos) {

	/** Adds another span, as if the two ran back to back. */
	Throughput plus(Throughput other) {
		return new Throughput(this.count + other.count - 1, this.elapsedNanos + other.elapsedNanos,
				this.cpuNanos + other.cpuNanos);
	}

	double perSecond() {
		return (this.elapsedNanos > 0) ? (this.count - 1) * 1e9 / this.elapsedNanos : 0;
	}

	double seconds() {
		return this.elapsedNanos / 1e9;
	}

	double cpuSeconds() {
		return this.cpuNanos / 1e9;
	}

}
