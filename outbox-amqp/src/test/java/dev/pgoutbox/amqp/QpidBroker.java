package dev.pgoutbox.amqp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.apache.qpid.server.SystemLauncher;

/**
 * A real AMQP 0-9-1 broker in the test JVM: Apache Qpid Broker-J with the configuration
 * of {@code qpid-broker.json} (one user, one AMQP port on the loopback address, one
 * virtual host whose queues and persistent messages live in a Derby store in a directory
 * of its own). It can be stopped and started again on the same port with its queues and
 * messages, as a broker restart does.
 */
final class QpidBroker implements AutoCloseable {

	static final String USERNAME = "outbox";

	static final String PASSWORD = "outbox-secret";

	private final int port;

	private final Path workDir;

	private SystemLauncher launcher;

	private QpidBroker(int port, Path workDir) {
		this.port = port;
		this.workDir = workDir;
	}

	/** Starts a broker on a free port with an empty store. */
	static QpidBroker start() {
		try {
			QpidBroker broker = new QpidBroker(freePort(), Files.createTempDirectory("qpid-broker"));
			broker.startAgain();
			return broker;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	int port() {
		return this.port;
	}

	/** The Spring Boot properties that point an application at this broker. */
	String[] springProperties() {
		return new String[] { "spring.rabbitmq.host=127.0.0.1", "spring.rabbitmq.port=" + this.port,
				"spring.rabbitmq.username=" + USERNAME, "spring.rabbitmq.password=" + PASSWORD };
	}

	/** Starts the broker, again after {@link #stop()}, on the same port and store. */
	synchronized void startAgain() {
		if (this.launcher != null) {
			throw new IllegalStateException("The broker is running");
		}
		URL configuration = QpidBroker.class.getResource("/qpid-broker.json");
		Map<String, String> context = new HashMap<>();
		context.put("qpid.amqp_port", String.valueOf(this.port));
		context.put("qpid.work_dir", this.workDir.toString());
		Map<String, Object> attributes = new HashMap<>();
		// the broker's own configuration is rebuilt from the file at each start; the
		// virtual host's queues, bindings and messages are in its Derby store
		attributes.put("type", "Memory");
		attributes.put("initialConfigurationLocation", configuration.toExternalForm());
		attributes.put("startupLoggedToSystemOut", false);
		attributes.put("context", context);
		SystemLauncher started = new SystemLauncher();
		try {
			started.startup(attributes);
		}
		catch (Exception ex) {
			throw new IllegalStateException("Qpid Broker-J did not start on port " + this.port, ex);
		}
		this.launcher = started;
	}

	/** Stops the broker: every connection drops, the port closes. */
	synchronized void stop() {
		if (this.launcher != null) {
			this.launcher.shutdown();
			this.launcher = null;
		}
	}

	@Override
	public void close() {
		stop();
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			socket.setReuseAddress(true);
			return socket.getLocalPort();
		}
	}

}
