package dev.pgoutbox.benchmark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What to run and at which scale, from {@code --name=value} arguments.
 *
 * @param scenarios the scenarios to run, in the order of {@link #ALL_SCENARIOS}
 * @param jdbcUrl the database to use, or {@code null} to start an embedded PostgreSQL
 * @param username the login for {@code jdbcUrl}
 * @param password the password for {@code jdbcUrl}, may be {@code null}
 * @param fsync whether the embedded PostgreSQL runs with {@code fsync=on}
 * @param drainRows one-row transactions in the drain backlog
 * @param drainPasses how many backlogs the drain writes and reads, alternating who reads
 * first
 * @param latencyRates writer rates of the latency scenario, transactions per second
 * @param latencySeconds how long the writer runs at each rate
 * @param latencyWriters writer threads of the latency scenario
 * @param latencyFloor whether a bare reader on a second slot measures the latency floor
 * beside the relay
 * @param overheadTransactions transactions of each side of the overhead scenario
 * @param overheadThreads writer threads of the overhead scenario
 * @param memoryRows rows of the memory scenario's single transaction
 * @param memoryHeap the {@code -Xmx} of the memory scenario's relay JVM
 * @param slowRows backlog of the slow-broker scenario
 * @param slowKeys distinct keys of the slow-broker backlog
 * @param slowConcurrencies the concurrencies of the slow-broker scenario, the first being
 * the baseline
 * @param slowPublishMillis how long the slow publisher takes per message
 * @param stores the message stores the {@code stores} scenario compares
 * @param storesTransactions transactions per store of each publish measurement of the
 * {@code stores} scenario
 * @param storesDrainRows backlog the {@code stores} scenario drains per store and pass
 * @param storesLatencySeconds how long the {@code stores} scenario writes at 1,000 msg/s
 * per store for its latency
 * @param storesOutageSeconds how long the broker is down in the {@code stores} scenario
 * @param walCompression {@code outbox.wal.compression} of the {@code stores} scenario's
 * WAL store
 * @param floorVariants the readers the {@code floor} scenario compares, the first being
 * the baseline
 * @param kafkaRows backlog the {@code kafka} scenario drains through Kafka and through
 * the no-op publisher
 * @param kafkaLatencySeconds how long the {@code kafka} scenario writes at 1,000 msg/s
 * per publisher for its latency
 * @param kafkaConcurrency {@code outbox.delivery.concurrency} of the {@code kafka}
 * scenario, both sides
 * @param kafkaLingerMs {@code linger.ms} of the outbox's producer, or negative for the
 * producer's default
 * @param fanoutRows backlog of each drain of the {@code fanout} scenario
 * @param fanoutPasses how many backlogs of each size the {@code fanout} scenario drains
 * @param profile where to write a JFR recording and its summary per scenario, or
 * {@code null}
 */
record BenchmarkOptions(List<String> scenarios, String jdbcUrl, String username, String password, boolean fsync,
		int drainRows, int drainPasses, List<Integer> latencyRates, int latencySeconds, int latencyWriters,
		boolean latencyFloor, int overheadTransactions, int overheadThreads, int memoryRows, String memoryHeap,
		int slowRows, int slowKeys, List<Integer> slowConcurrencies, int slowPublishMillis,
		List<StoresScenario.Store> stores, int storesTransactions, int storesDrainRows, int storesLatencySeconds,
		int storesOutageSeconds, String walCompression, List<FloorReader.Variant> floorVariants, int kafkaRows,
		int kafkaLatencySeconds, int kafkaConcurrency, int kafkaLingerMs, int fanoutRows, int fanoutPasses,
		Path profile) {

	static final List<String> ALL_SCENARIOS = List.of("drain", "latency", "overhead", "memory", "slow-broker", "stores",
			"floor", "kafka", "fanout");

	/** What runs without {@code --scenarios}: all but the diagnostic ones. */
	static final List<String> DEFAULT_SCENARIOS = List.of("drain", "latency", "overhead", "memory", "slow-broker");

	static final String USAGE = """
			Arguments (all optional, --name=value):
			  --scenarios=drain,latency,overhead,memory,slow-broker   which to run (default: these five)
			              stores          the table and the WAL message stores side by side (not run by default)
			              floor           diagnostic: each way of reading a slot with pgjdbc on one backlog
			  --jdbc-url=jdbc:postgresql://host/db --username=u --password=p   use this server instead of an embedded one
			  --fsync=on|off                 fsync of the embedded server (default on)
			  --drain-rows=100000 --drain-passes=4
			  --latency-rates=1000,3000 --latency-seconds=30 --latency-writers=16 --latency-floor=on|off
			  --overhead-transactions=20000 --overhead-threads=4
			  --memory-rows=1000000 --memory-heap=128m
			  --slow-rows=20000 --slow-keys=1000 --slow-concurrency=1,4,16,64 --slow-publish-ms=2
			  --stores=table,wal --stores-transactions=20000 --stores-drain-rows=50000
			  --stores-latency-seconds=20 --stores-outage-seconds=60 --wal-compression=deflate|none
			  --floor-variants=blocking-nap-1ms,blocking,pending,...   readers of the floor scenario (default: all, blocking-nap-1ms first)
			              kafka           the Kafka module to a KRaft broker in this JVM against the no-op publisher (not run by default)
			              fanout          the drain with three no-op handlers against one (not run by default)
			  --kafka-rows=100000 --kafka-latency-seconds=20 --kafka-concurrency=16 --kafka-linger-ms=-1 (producer default)
			  --fanout-rows=100000 --fanout-passes=2
			  --profile=target/profiles      record JFR per scenario and print its top frames
			""";

	static BenchmarkOptions parse(String... args) {
		Map<String, String> values = new HashMap<>();
		for (String arg : args) {
			if (arg.isBlank()) {
				continue;
			}
			int equals = arg.indexOf('=');
			if (!arg.startsWith("--") || equals < 0) {
				throw new IllegalArgumentException("Unexpected argument '" + arg + "'\n" + USAGE);
			}
			values.put(arg.substring(2, equals), arg.substring(equals + 1));
		}
		Arguments in = new Arguments(values);
		BenchmarkOptions options = new BenchmarkOptions(in.scenarios(), in.text("jdbc-url", null),
				in.text("username", "postgres"), in.text("password", null), in.onOff("fsync", true),
				in.number("drain-rows", 100_000), in.number("drain-passes", 4),
				in.numbers("latency-rates", List.of(1_000, 3_000)), in.number("latency-seconds", 30),
				in.number("latency-writers", 16), in.onOff("latency-floor", true),
				in.number("overhead-transactions", 20_000), in.number("overhead-threads", 4),
				in.number("memory-rows", 1_000_000), in.text("memory-heap", "128m"), in.number("slow-rows", 20_000),
				in.number("slow-keys", 1_000), in.numbers("slow-concurrency", List.of(1, 4, 16, 64)),
				in.number("slow-publish-ms", 2), in.stores(), in.number("stores-transactions", 20_000),
				in.number("stores-drain-rows", 50_000), in.number("stores-latency-seconds", 20),
				in.number("stores-outage-seconds", 60), in.walCompression(), in.floorVariants(),
				in.number("kafka-rows", 100_000), in.number("kafka-latency-seconds", 20),
				in.number("kafka-concurrency", 16), in.number("kafka-linger-ms", -1), in.number("fanout-rows", 100_000),
				in.number("fanout-passes", 2), in.path("profile"));
		if (!in.unused().isEmpty()) {
			throw new IllegalArgumentException("Unknown argument(s) " + in.unused() + "\n" + USAGE);
		}
		return options;
	}

	/** Typed reads of the raw values, remembering which were used. */
	private static final class Arguments {

		private final Map<String, String> values;

		private final Set<String> used = new LinkedHashSet<>();

		Arguments(Map<String, String> values) {
			this.values = values;
		}

		String walCompression() {
			String value = text("wal-compression", "deflate");
			if (!value.equals("deflate") && !value.equals("none")) {
				throw new IllegalArgumentException("--wal-compression must be deflate or none, not '" + value + "'");
			}
			return value;
		}

		String text(String name, String fallback) {
			this.used.add(name);
			return this.values.getOrDefault(name, fallback);
		}

		int number(String name, int fallback) {
			String value = text(name, null);
			return (value != null) ? Integer.parseInt(value.replace("_", "")) : fallback;
		}

		List<Integer> numbers(String name, List<Integer> fallback) {
			String value = text(name, null);
			if (value == null) {
				return fallback;
			}
			return Arrays.stream(value.split(",")).map(String::trim).map(Integer::valueOf).toList();
		}

		boolean onOff(String name, boolean fallback) {
			String value = text(name, null);
			return (value != null) ? value.equals("on") || value.equals("true") : fallback;
		}

		List<StoresScenario.Store> stores() {
			String value = text("stores", null);
			if (value == null) {
				return List.of(StoresScenario.Store.values());
			}
			return Arrays.stream(value.split(",")).map(String::trim).map(StoresScenario.Store::of).toList();
		}

		List<FloorReader.Variant> floorVariants() {
			String value = text("floor-variants", null);
			if (value == null) {
				List<FloorReader.Variant> all = new ArrayList<>(List.of(FloorReader.Variant.values()));
				all.remove(FloorReader.FLOOR);
				all.add(0, FloorReader.FLOOR);
				return all;
			}
			return Arrays.stream(value.split(",")).map(String::trim).map(FloorReader.Variant::of).toList();
		}

		Path path(String name) {
			String value = text(name, null);
			return (value != null) ? Path.of(value) : null;
		}

		List<String> scenarios() {
			String value = text("scenarios", null);
			if (value == null) {
				return DEFAULT_SCENARIOS;
			}
			List<String> chosen = new ArrayList<>();
			List<String> asked = Arrays.stream(value.split(",")).map(String::trim).toList();
			for (String name : asked) {
				if (!ALL_SCENARIOS.contains(name)) {
					throw new IllegalArgumentException("Unknown scenario '" + name + "'\n" + USAGE);
				}
			}
			ALL_SCENARIOS.stream().filter(asked::contains).forEach(chosen::add);
			return chosen;
		}

		Set<String> unused() {
			Set<String> unused = new LinkedHashSet<>(this.values.keySet());
			unused.removeAll(this.used);
			return unused;
		}

	}

}
