package dev.pgoutbox.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

import static org.awaitility.Awaitility.await;

/**
 * A single-node Kafka broker in KRaft mode (broker and controller in one process role
 * set) in the test JVM, on loopback ports chosen once: it can be stopped and started
 * again on the same ports and data directory, as a broker that goes away and comes back.
 *
 * <p>
 * Not thread-safe: start and stop it from one thread.
 */
final class TestKafkaBroker implements AutoCloseable {

	private static final String HOST = "localhost";

	private static final String CONTROLLER = "CONTROLLER";

	private static final int NODE_ID = 1;

	private final Path dataDir;

	private final int port;

	private final int controllerPort;

	private final Map<String, Object> overrides;

	private KafkaRaftServer server;

	private TestKafkaBroker(Path dataDir, int port, int controllerPort, Map<String, Object> overrides) {
		this.dataDir = dataDir;
		this.port = port;
		this.controllerPort = controllerPort;
		this.overrides = overrides;
	}

	/**
	 * Formats a data directory and starts a broker on it; returns once it takes requests.
	 * @param dataDir an empty or missing directory
	 * @param overrides broker settings over the defaults of this class
	 */
	static TestKafkaBroker start(Path dataDir, Map<String, Object> overrides) throws Exception {
		Files.createDirectories(dataDir);
		String logDir = dataDir.toAbsolutePath().toString();
		new Formatter().setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
			.setNodeId(NODE_ID)
			.setClusterId(Uuid.randomUuid().toString())
			.setControllerListenerName(CONTROLLER)
			.setMetadataLogDirectory(logDir)
			.addDirectory(logDir)
			.run();
		TestKafkaBroker broker = new TestKafkaBroker(dataDir, freePort(), freePort(), Map.copyOf(overrides));
		broker.start();
		return broker;
	}

	/**
	 * Starts the stopped broker again on its ports and data directory; a port still held
	 * by the closing sockets of the last run is tried again until it is free.
	 */
	void start() {
		KafkaConfig config = new KafkaConfig(config(), false);
		await("broker start on port " + this.port).atMost(Duration.ofSeconds(60))
			.pollInterval(Duration.ofMillis(200))
			.pollInSameThread()
			.ignoreExceptions()
			.until(() -> {
				KafkaRaftServer starting = new KafkaRaftServer(config, Time.SYSTEM);
				try {
					starting.startup();
				}
				catch (RuntimeException ex) {
					starting.shutdown();
					starting.awaitShutdown();
					throw ex;
				}
				this.server = starting;
				return true;
			});
	}

	/**
	 * Stops the broker and waits until it has stopped; its clients see it gone.
	 */
	void stop() {
		if (this.server != null) {
			this.server.shutdown();
			this.server.awaitShutdown();
			this.server = null;
		}
	}

	String bootstrapServers() {
		return HOST + ":" + this.port;
	}

	@Override
	public void close() {
		stop();
	}

	private Map<String, Object> config() {
		Map<String, Object> config = new HashMap<>();
		config.put("process.roles", "broker,controller");
		config.put("node.id", String.valueOf(NODE_ID));
		config.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + this.controllerPort);
		config.put("controller.listener.names", CONTROLLER);
		config.put("listeners",
				"PLAINTEXT://" + HOST + ":" + this.port + "," + CONTROLLER + "://" + HOST + ":" + this.controllerPort);
		config.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + this.port);
		config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER + ":PLAINTEXT");
		config.put("inter.broker.listener.name", "PLAINTEXT");
		config.put("log.dirs", this.dataDir.toAbsolutePath().toString());
		// one broker: nothing can be replicated
		config.put("offsets.topic.replication.factor", "1");
		config.put("offsets.topic.num.partitions", "1");
		config.put("transaction.state.log.replication.factor", "1");
		config.put("transaction.state.log.min.isr", "1");
		config.put("transaction.state.log.num.partitions", "1");
		config.put("group.initial.rebalance.delay.ms", "0");
		// topics are created on first use, with several partitions so that keys spread
		config.put("auto.create.topics.enable", "true");
		config.put("num.partitions", "4");
		config.putAll(this.overrides);
		return config;
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
			return socket.getLocalPort();
		}
	}

}
