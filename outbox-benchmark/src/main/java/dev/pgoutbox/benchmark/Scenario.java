package dev.pgoutbox.benchmark;

/**
 * One benchmark scenario, measuring its own baseline in the same run.
 */
interface Scenario {

	ScenarioResult run(BenchmarkServer server, BenchmarkOptions options) throws Exception;

}
