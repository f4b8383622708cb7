package dev.pgoutbox.sample.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * A single-node Kafka broker in KRaft mode (broker and controller in one), running in
 * this JVM on a data directory that is formatted on first use and kept afterwards.
 *
 * <p>
 * Not thread-safe: start and close it from one thread.
 */
final class EmbeddedKafkaBroker implements AutoCloseable {

	private static final String HOST = "localhost";

	private static final String CONTROLLER_LISTENER = "CONTROLLER";

	private static final int NODE_ID = 1;

	private final KafkaRaftServer server;

	private final String bootstrapServers;

	private EmbeddedKafkaBroker(KafkaRaftServer server, String bootstrapServers) {
		this.server = server;
		this.bootstrapServers = bootstrapServers;
	}

	/**
	 * Formats the data directory unless an earlier run did, and starts the broker;
	 * returns once the broker takes requests.
	 * @param dataDir the data directory, created if missing
	 * @param port the client port, {@code 0} for a free one
	 * @return the running broker
	 * @throws Exception if the broker could not be started
	 */
	static EmbeddedKafkaBroker start(Path dataDir, int port) throws Exception {
		int brokerPort = (port != 0) ? requireFree(port) : freePort();
		int controllerPort = freePort();
		String logDir = dataDir.toAbsolutePath().toString();
		Files.createDirectories(dataDir);
		KafkaConfig config = new KafkaConfig(serverConfig(logDir, brokerPort, controllerPort), false);
		if (!Files.exists(dataDir.resolve(MetaPropertiesEnsemble.META_PROPERTIES_NAME))) {
			format(logDir);
		}
		KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
		try {
			server.startup();
		}
		catch (RuntimeException ex) {
			server.shutdown();
			server.awaitShutdown();
			throw ex;
		}
		return new EmbeddedKafkaBroker(server, HOST + ":" + brokerPort);
	}

	private static Map<String, Object> serverConfig(String logDir, int brokerPort, int controllerPort) {
		Map<String, Object> config = new HashMap<>();
		config.put("process.roles", "broker,controller");
		config.put("node.id", String.valueOf(NODE_ID));
		config.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
		config.put("controller.listener.names", CONTROLLER_LISTENER);
		config.put("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + "," + CONTROLLER_LISTENER + "://" + HOST
				+ ":" + controllerPort);
		config.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
		config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
		config.put("inter.broker.listener.name", "PLAINTEXT");
		config.put("log.dirs", logDir);
		// one broker: internal topics cannot be replicated, and need not be spread
		config.put("offsets.topic.replication.factor", "1");
		config.put("offsets.topic.num.partitions", "1");
		config.put("transaction.state.log.replication.factor", "1");
		config.put("transaction.state.log.min.isr", "1");
		config.put("transaction.state.log.num.partitions", "1");
		config.put("num.partitions", "3");
		// the first consumer of a group need not wait for others that will never come
		config.put("group.initial.rebalance.delay.ms", "0");
		return config;
	}

	private static void format(String logDir) throws Exception {
		new Formatter().setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
			.setNodeId(NODE_ID)
			.setClusterId(Uuid.randomUuid().toString())
			.setControllerListenerName(CONTROLLER_LISTENER)
			.setMetadataLogDirectory(logDir)
			.addDirectory(logDir)
			.run();
	}

	private static int requireFree(int port) {
		try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
			return port;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Port " + port + " for the embedded Kafka broker is in use. Set "
					+ "sample.embedded-kafka.port to a free port (0 picks one), or spring.kafka.bootstrap-servers "
					+ "to use a running Kafka instead.", ex);
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
			return socket.getLocalPort();
		}
	}

	/**
	 * Returns where clients connect.
	 * @return {@code host:port}
	 */
	String bootstrapServers() {
		return this.bootstrapServers;
	}

	/**
	 * Stops the broker and waits until it has stopped.
	 */
	@Override
	public void close() {
		this.server.shutdown();
		this.server.awaitShutdown();
	}

}
