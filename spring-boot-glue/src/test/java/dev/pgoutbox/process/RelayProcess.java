package dev.pgoutbox.process;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.BitSet;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;
import org.awaitility.Awaitility;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.OutboxMessage;
import dev.pgoutbox.autoconfigure.OutboxRelayLifecycle;
import dev.pgoutbox.relay.Relay;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.BootLine;

/**
 * A relay in a JVM of its own, started by {@link ForkedRelay} so that a test can kill it
 * with {@code kill -9} or give it a heap of a fixed size: a minimal Spring Boot
 * application whose only bean is the "broker", a {@link MessagePublisher}.
 *
 * <p>
 * Every setting is a command-line property: {@code --spring.datasource.*} and
 * {@code --outbox.*} as in any application, and for the broker:
 * <ul>
 * <li>{@code --relay.broker=log} (default) inserts each message (id, key, payload, commit
 * LSN, run id) into the table {@code broker_log} of the same database, whose {@code seq}
 * gives the arrival order, on a connection of its own in auto-commit mode, so that a
 * message is "at the broker" exactly when its row is committed;
 * {@code --relay.broker=count} only counts, and records the payload field {@code n} in a
 * bit set to tell distinct messages from duplicates</li>
 * <li>{@code --relay.publish-delay} a broker latency per message, which keeps deliveries
 * in flight</li>
 * <li>{@code --relay.run-id} written with each logged message</li>
 * <li>{@code --relay.exit-after} exit with code 0 once this many messages are
 * delivered</li>
 * </ul>
 * It prints {@code RELAY-READY} once the relay streams, {@code PROGRESS delivered=} every
 * second and, before exiting by itself, {@code DELIVERED n=} and
 * {@code PEAK-HEAP bytes=}.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
// JPA is on the test classpath for other tests; a relay has no use for it
@EnableAutoConfiguration(
		excludeName = { BootLine.HIBERNATE, BootLine.JPA_REPOSITORIES, BootLine.FLYWAY, BootLine.LIQUIBASE })
class RelayProcess {

	static final String READY = "RELAY-READY";

	static final String DELIVERED = "DELIVERED";

	static final String PEAK_HEAP = "PEAK-HEAP";

	public static void main(String[] args) throws Exception {
		HeapWatch heap = HeapWatch.start();
		SpringApplication application = new SpringApplication(RelayProcess.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setBannerMode(Banner.Mode.OFF);
		ConfigurableApplicationContext context = application.run(args);
		OutboxRelayLifecycle lifecycle = context.getBean(OutboxRelayLifecycle.class);
		if (context.getEnvironment().getProperty("relay.await-ready", Boolean.class, true)) {
			Awaitility.await("relay streaming")
				.atMost(Duration.ofSeconds(60))
				.pollInterval(Duration.ofMillis(20))
				.until(() -> lifecycle.getRelay() != null && lifecycle.getRelay().state() == RelayState.RUNNING);
		}
		System.out.println(READY + " pid=" + ProcessHandle.current().pid());
		Broker broker = context.getBean(Broker.class);
		ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "relay-process-progress");
			thread.setDaemon(true);
			return thread;
		});
		progress.scheduleAtFixedRate(
				() -> System.out
					.println("PROGRESS delivered=" + broker.delivered() + " heapAfterLastGc=" + heap.lastAfterGc()),
				1, 1, TimeUnit.SECONDS);
		// without exit-after this waits until the test kills or stops the process
		broker.awaitTarget();
		progress.shutdownNow();
		Relay relay = lifecycle.getRelay();
		System.out.println(DELIVERED + " n=" + broker.delivered() + " distinct=" + broker.distinct() + " duplicates="
				+ broker.duplicates() + " lastError=" + relay.lastError());
		System.out.println(heap.report());
		System.exit(SpringApplication.exit(context));
	}

	@Bean
	Broker broker(Environment environment) {
		String mode = environment.getProperty("relay.broker", "log");
		if (!mode.equals("log") && !mode.equals("count")) {
			throw new IllegalArgumentException("'relay.broker' must be log or count, not " + mode);
		}
		return new Broker(mode.equals("log"), environment.getRequiredProperty("spring.datasource.url"),
				environment.getProperty("spring.datasource.username"),
				environment.getProperty("spring.datasource.password"),
				environment.getProperty("relay.publish-delay", Duration.class, Duration.ZERO),
				environment.getProperty("relay.run-id", "run"),
				environment.getProperty("relay.exit-after", Long.class, 0L));
	}

	/**
	 * The broker: logs or counts each message, after a simulated latency.
	 */
	static final class Broker implements MessagePublisher {

		static final String CREATE_LOG = "CREATE TABLE IF NOT EXISTS broker_log (seq bigserial PRIMARY KEY, "
				+ "message_id uuid NOT NULL, msg_key text NOT NULL, payload text NOT NULL, lsn pg_lsn NOT NULL, "
				+ "run_id text NOT NULL, logged_at timestamptz NOT NULL DEFAULT clock_timestamp())";

		private static final String INSERT_LOG = "INSERT INTO broker_log (message_id, msg_key, payload, lsn, run_id) "
				+ "VALUES (?, ?, ?, ?::pg_lsn, ?)";

		private final boolean log;

		private final String url;

		private final Properties login = new Properties();

		private final long delayNanos;

		private final String runId;

		private final long exitAfter;

		private final AtomicLong delivered = new AtomicLong();

		private final BitSet numbers = new BitSet();

		private long duplicates;

		private final CountDownLatch reached = new CountDownLatch(1);

		// one connection per delivery thread, so that lanes do not queue on one socket
		private final ThreadLocal<Connection> connections = new ThreadLocal<>();

		Broker(boolean log, String url, String username, String password, Duration delay, String runId,
				long exitAfter) {
			this.log = log;
			this.url = url;
			if (username != null) {
				this.login.setProperty("user", username);
			}
			if (password != null) {
				this.login.setProperty("password", password);
			}
			this.delayNanos = delay.toNanos();
			this.runId = runId;
			this.exitAfter = exitAfter;
			if (log) {
				try (Connection connection = DriverManager.getConnection(url, this.login);
						Statement statement = connection.createStatement()) {
					statement.execute(CREATE_LOG);
				}
				catch (SQLException ex) {
					throw new IllegalStateException("Could not create broker_log", ex);
				}
			}
		}

		@Override
		public void publish(OutboxMessage message) throws Exception {
			if (this.delayNanos > 0) {
				// the broker's latency, not a wait for anything: it keeps deliveries in
				// flight
				LockSupport.parkNanos(this.delayNanos);
			}
			if (this.log) {
				insert(message);
			}
			else {
				record(message.payload());
			}
			if (this.delivered.incrementAndGet() == this.exitAfter) {
				this.reached.countDown();
			}
		}

		private void insert(OutboxMessage message) throws SQLException {
			Connection connection = this.connections.get();
			if (connection == null) {
				connection = DriverManager.getConnection(this.url, this.login);
				this.connections.set(connection);
			}
			try (PreparedStatement statement = connection.prepareStatement(INSERT_LOG)) {
				statement.setObject(1, message.id());
				statement.setString(2, message.key());
				statement.setString(3, message.payload());
				statement.setString(4, message.lsn().asString());
				statement.setString(5, this.runId);
				statement.executeUpdate();
			}
			catch (SQLException ex) {
				// a broken connection must not fail every later message of this thread
				this.connections.remove();
				connection.close();
				throw ex;
			}
		}

		/**
		 * Marks the payload's field {@code n}, so that duplicates show without keeping
		 * ids.
		 */
		private void record(String payload) {
			int start = payload.indexOf("\"n\"");
			if (start < 0) {
				return;
			}
			int digit = payload.indexOf(':', start) + 1;
			while (digit < payload.length() && !Character.isDigit(payload.charAt(digit))) {
				digit++;
			}
			int end = digit;
			while (end < payload.length() && Character.isDigit(payload.charAt(end))) {
				end++;
			}
			int n = Integer.parseInt(payload, digit, end, 10);
			synchronized (this.numbers) {
				if (this.numbers.get(n)) {
					this.duplicates++;
				}
				this.numbers.set(n);
			}
		}

		long delivered() {
			return this.delivered.get();
		}

		long distinct() {
			synchronized (this.numbers) {
				return this.numbers.cardinality();
			}
		}

		long duplicates() {
			synchronized (this.numbers) {
				return this.duplicates;
			}
		}

		void awaitTarget() throws InterruptedException {
			this.reached.await();
		}

	}

	/**
	 * Watches the heap: the highest use sampled (garbage included) and the highest use
	 * left after a collection (what the process really holds).
	 */
	static final class HeapWatch {

		private final AtomicLong peakUsed = new AtomicLong();

		private final AtomicLong peakAfterGc = new AtomicLong();

		private final AtomicLong lastAfterGc = new AtomicLong();

		private final AtomicLong collections = new AtomicLong();

		static HeapWatch start() {
			HeapWatch watch = new HeapWatch();
			ManagementFactory.getGarbageCollectorMXBeans()
				.forEach((collector) -> ((NotificationEmitter) collector)
					.addNotificationListener((notification, handback) -> {
						if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION
							.equals(notification.getType())) {
							watch.afterCollection(
									GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData()));
						}
					}, null, null));
			Thread sampler = new Thread(watch::sample, "relay-process-heap-sampler");
			sampler.setDaemon(true);
			sampler.start();
			return watch;
		}

		private void afterCollection(GarbageCollectionNotificationInfo info) {
			this.collections.incrementAndGet();
			long used = ManagementFactory.getMemoryPoolMXBeans()
				.stream()
				.filter((pool) -> pool.getType() == java.lang.management.MemoryType.HEAP)
				.map((pool) -> info.getGcInfo().getMemoryUsageAfterGc().get(pool.getName()))
				.filter((usage) -> usage != null)
				.mapToLong(MemoryUsage::getUsed)
				.sum();
			this.lastAfterGc.set(used);
			this.peakAfterGc.accumulateAndGet(used, Math::max);
		}

		long lastAfterGc() {
			return this.lastAfterGc.get();
		}

		private void sample() {
			while (true) {
				this.peakUsed.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
						Math::max);
				// a sampling period, not a synchronization
				LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
			}
		}

		String report() {
			String collectors = ManagementFactory.getGarbageCollectorMXBeans()
				.stream()
				.map((collector) -> collector.getName())
				.collect(Collectors.joining(","));
			return PEAK_HEAP + " bytes=" + this.peakUsed.get() + " afterGc=" + this.peakAfterGc.get() + " max="
					+ Runtime.getRuntime().maxMemory() + " collections=" + this.collections.get() + " gc=" + collectors;
		}

	}

}
