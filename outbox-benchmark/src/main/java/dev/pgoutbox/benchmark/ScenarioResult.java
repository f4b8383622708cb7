package dev.pgoutbox.benchmark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one scenario measured: rows for the table and the key-value pairs of its
 * {@code RESULT} line.
 */
final class ScenarioResult {

	private final String scenario;

	private final Map<String, String> values = new LinkedHashMap<>();

	private final List<Row> rows = new ArrayList<>();

	private boolean met = true;

	ScenarioResult(String scenario) {
		this.scenario = scenario;
	}

	static ScenarioResult failed(String scenario, Exception ex) {
		ScenarioResult result = new ScenarioResult(scenario);
		result.met = false;
		result.put("error", ex.getClass().getSimpleName());
		result.row(new Row(scenario, "failed: " + ex, "-", "-", "-", false));
		return result;
	}

	ScenarioResult put(String key, Object value) {
		String text = (value instanceof Double number) ? decimal(number) : String.valueOf(value);
		this.values.put(key, text.replace(' ', '_'));
		return this;
	}

	/** Adds a table row; a row that misses its target fails the scenario. */
	ScenarioResult row(Row row) {
		this.rows.add(row);
		if (row.met() != null && !row.met()) {
			this.met = false;
		}
		return this;
	}

	String scenario() {
		return this.scenario;
	}

	List<Row> rows() {
		return this.rows;
	}

	boolean met() {
		return this.met;
	}

	String resultLine() {
		StringBuilder line = new StringBuilder("RESULT ").append(this.scenario);
		this.values.forEach((key, value) -> line.append(' ').append(key).append('=').append(value));
		return line.append(" met=").append(this.met).toString();
	}

	static String decimal(double value) {
		if (Math.abs(value) >= 100) {
			return String.format(Locale.ROOT, "%.0f", value);
		}
		return String.format(Locale.ROOT, (Math.abs(value) >= 10) ? "%.1f" : "%.2f", value);
	}

	/**
	 * One line of the table.
	 *
	 * @param met whether the target is met, {@code null} where there is no target
	 */
	record Row(String scenario, String figure, String baseline, String ratio, String target, Boolean met) {

		String metText() {
			return (this.met == null) ? "-" : this.met ? "yes" : "NO";
		}

	}

}
