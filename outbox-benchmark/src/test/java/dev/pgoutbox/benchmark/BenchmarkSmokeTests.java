package dev.pgoutbox.benchmark;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Runs the drain scenario at a tiny scale, so that the build notices when the benchmark
 * no longer runs; the real benchmark runs only from its own command.
 */
class BenchmarkSmokeTests {

	@Test
	void drainsATinyBacklogAndPrintsAResultLine() throws Exception {
		BenchmarkOptions options = BenchmarkOptions.parse("--scenarios=drain", "--drain-rows=500", "--drain-passes=1",
				"--fsync=off");

		List<ScenarioResult> results = Benchmark.run(options);

		assertThat(results).hasSize(1);
		assertThat(results.get(0).resultLine()).startsWith("RESULT drain rows=500 passes=1 relay_msg_per_s=")
			.contains(" floor_msg_per_s=", " ratio=")
			.doesNotContain("error=");
	}

	@Test
	void rejectsUnknownArguments() {
		assertThatIllegalArgumentException().isThrownBy(() -> BenchmarkOptions.parse("--drain-rowz=5"))
			.withMessageContaining("drain-rowz");
	}

}
