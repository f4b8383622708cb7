package dev.pgoutbox.benchmark;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * A single-node Kafka broker in KRaft mode (broker and controller in one) in the
 * benchmark's JVM, as the sample application starts one, on a fresh data directory that
 * is deleted when it closes.
 */
final class KafkaBroker implements AutoCloseable {

	private static final String HOST = "localhost";

	private static final String CONTROLLER = "CONTROLLER";

	private static final int NODE_ID = 1;

	private final KafkaRaftServer server;

	private final Path dataDir;

	private final String bootstrapServers;

	private KafkaBroker(KafkaRaftServer server, Path dataDir, String bootstrapServers) {
		this.server = server;
		this.dataDir = dataDir;
		this.bootstrapServers = bootstrapServers;
	}

	static KafkaBroker start() throws Exception {
		Path dataDir = Files.createTempDirectory("pgoutbox-benchmark-kafka");
		String logDir = dataDir.toAbsolutePath().toString();
		int port = freePort();
		int controllerPort = freePort();
		new Formatter().setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
			.setNodeId(NODE_ID)
			.setClusterId(Uuid.randomUuid().toString())
			.setControllerListenerName(CONTROLLER)
			.setMetadataLogDirectory(logDir)
			.addDirectory(logDir)
			.run();
		Map<String, Object> config = new HashMap<>();
		config.put("process.roles", "broker,controller");
		config.put("node.id", String.valueOf(NODE_ID));
		config.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
		config.put("controller.listener.names", CONTROLLER);
		config.put("listeners",
				"PLAINTEXT://" + HOST + ":" + port + "," + CONTROLLER + "://" + HOST + ":" + controllerPort);
		config.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
		config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER + ":PLAINTEXT");
		config.put("inter.broker.listener.name", "PLAINTEXT");
		config.put("log.dirs", logDir);
		config.put("offsets.topic.replication.factor", "1");
		config.put("offsets.topic.num.partitions", "1");
		config.put("transaction.state.log.replication.factor", "1");
		config.put("transaction.state.log.min.isr", "1");
		config.put("transaction.state.log.num.partitions", "1");
		config.put("auto.create.topics.enable", "false");
		KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(config, false), Time.SYSTEM);
		try {
			server.startup();
		}
		catch (RuntimeException ex) {
			server.shutdown();
			server.awaitShutdown();
			delete(dataDir);
			throw ex;
		}
		return new KafkaBroker(server, dataDir, HOST + ":" + port);
	}

	String bootstrapServers() {
		return this.bootstrapServers;
	}

	/** Creates a topic (replication factor 1: there is one broker) and waits for it. */
	void createTopic(String name, int partitions) throws Exception {
		try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, this.bootstrapServers))) {
			admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
			return socket.getLocalPort();
		}
	}

	@Override
	public void close() throws IOException {
		this.server.shutdown();
		this.server.awaitShutdown();
		delete(this.dataDir);
	}

	private static void delete(Path dir) throws IOException {
		try (Stream<Path> paths = Files.walk(dir)) {
			for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
				Files.deleteIfExists(path);
			}
		}
	}

}
