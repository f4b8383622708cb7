package dev.pgoutbox.testsupport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Prometheus text scrape read back into samples, to check label sets as Prometheus sees
 * them.
 */
public final class PrometheusScrape {

	private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})?\\s+(\\S+).*$");

	private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

	/** Labels that the exposition format adds to some samples of a family. */
	private static final Set<String> FORMAT_LABELS = Set.of("le", "quantile");

	private final List<Sample> samples;

	private PrometheusScrape(List<Sample> samples) {
		this.samples = samples;
	}

	/** One sample line. */
	public record Sample(String name, Map<String, String> labels, double value) {

		/** The labels but those the format adds (bucket bounds, quantiles). */
		public Set<String> labelKeys() {
			Set<String> keys = new TreeSet<>(this.labels.keySet());
			keys.removeAll(FORMAT_LABELS);
			return keys;
		}

	}

	/** Reads a scrape in the Prometheus text format. */
	public static PrometheusScrape parse(String text) {
		List<Sample> samples = new ArrayList<>();
		for (String line : text.split("\n")) {
			if (line.isBlank() || line.startsWith("#")) {
				continue;
			}
			Matcher sample = SAMPLE.matcher(line);
			if (!sample.matches()) {
				throw new IllegalArgumentException("Not a sample line: " + line);
			}
			Map<String, String> labels = new LinkedHashMap<>();
			if (sample.group(2) != null) {
				Matcher label = LABEL.matcher(sample.group(2));
				while (label.find()) {
					labels.put(label.group(1), label.group(2));
				}
			}
			samples.add(new Sample(sample.group(1), labels, Double.parseDouble(sample.group(3))));
		}
		return new PrometheusScrape(List.copyOf(samples));
	}

	/** The samples whose name starts with a prefix. */
	public List<Sample> startingWith(String prefix) {
		return this.samples.stream().filter((sample) -> sample.name().startsWith(prefix)).toList();
	}

	/** The samples of one name. */
	public List<Sample> named(String name) {
		return this.samples.stream().filter((sample) -> sample.name().equals(name)).toList();
	}

	/** For each sample name with a prefix, the distinct sets of label keys it shows. */
	public Map<String, Set<Set<String>>> labelKeySets(String prefix) {
		Map<String, Set<Set<String>>> sets = new LinkedHashMap<>();
		for (Sample sample : startingWith(prefix)) {
			sets.computeIfAbsent(sample.name(), (name) -> new LinkedHashSet<>()).add(sample.labelKeys());
		}
		return sets;
	}

	/** The distinct values of some labels among the samples of one name. */
	public Set<List<String>> values(String name, String... labels) {
		Set<List<String>> values = new LinkedHashSet<>();
		for (Sample sample : named(name)) {
			List<String> tuple = new ArrayList<>();
			for (String label : labels) {
				tuple.add(sample.labels().get(label));
			}
			values.add(tuple);
		}
		return values;
	}

	/** The sum of the values of one name's samples that carry the given labels. */
	public double sum(String name, Map<String, String> labels) {
		return named(name).stream()
			.filter((sample) -> sample.labels().entrySet().containsAll(labels.entrySet()))
			.mapToDouble(Sample::value)
			.sum();
	}

}
