package dev.pgoutbox.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.DeprecatedConfigurationProperty;
import org.springframework.boot.sql.init.DatabaseInitializationMode;
import org.springframework.util.unit.DataSize;

import dev.pgoutbox.schema.MessageStore;
import dev.pgoutbox.schema.WalCompression;

/**
 * Configuration properties for the outbox.
 */
@ConfigurationProperties("outbox")
public class OutboxProperties {

	/** Whether to enable the outbox: the publisher and the relay. */
	private boolean enabled = true;

	/**
	 * Where publish writes messages: 'table' (a row of the outbox table, deleted once
	 * delivered; survives a lost slot) or 'wal' (a transactional logical decoding
	 * message, in the WAL alone, PostgreSQL 14 or later; a lost slot loses what it had
	 * not confirmed). The relay reads both, so switching loses nothing.
	 */
	private MessageStore store = MessageStore.TABLE;

	private final Wal wal = new Wal();

	/** Schema of the outbox table; it must exist, the outbox creates only its tables. */
	private String schema = "public";

	/** Name of the outbox table. */
	private String table = "outbox";

	/**
	 * Whether to create the outbox tables and publication at startup when missing, after
	 * Flyway and Liquibase have run; a schema left to them is checked instead. PostgreSQL
	 * is never an embedded database, so 'embedded' checks like 'never'.
	 */
	private DatabaseInitializationMode initializeSchema = DatabaseInitializationMode.ALWAYS;

	/**
	 * Largest message accepted by publish: the payload's JSON plus the headers' JSON
	 * (trace headers included), in UTF-8 bytes.
	 */
	private DataSize maxPayloadSize = DataSize.ofMegabytes(1);

	/** How long stop waits for the messages in flight to be delivered. */
	private Duration shutdownTimeout = Duration.ofSeconds(30);

	private final Health health = new Health();

	private final Metrics metrics = new Metrics();

	/**
	 * Partitions this instance may serve, each with a slot and publication of its own.
	 */
	private List<String> partitions = new ArrayList<>(List.of("default"));

	private final Membership membership = new Membership();

	private final Replication replication = new Replication();

	private final Delivery delivery = new Delivery();

	private final Cleanup cleanup = new Cleanup();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public MessageStore getStore() {
		return this.store;
	}

	public void setStore(MessageStore store) {
		this.store = store;
	}

	public Wal getWal() {
		return this.wal;
	}

	public String getSchema() {
		return this.schema;
	}

	public void setSchema(String schema) {
		this.schema = schema;
	}

	public String getTable() {
		return this.table;
	}

	public void setTable(String table) {
		this.table = table;
	}

	public DatabaseInitializationMode getInitializeSchema() {
		return this.initializeSchema;
	}

	public void setInitializeSchema(DatabaseInitializationMode initializeSchema) {
		this.initializeSchema = initializeSchema;
	}

	/**
	 * Returns the setting of 0.1.0, now {@code outbox.initialize-schema}.
	 * @return the mode as the old setting named it
	 * @deprecated since 0.2.0 for {@link #getInitializeSchema()}
	 */
	@Deprecated(since = "0.2.0")
	@DeprecatedConfigurationProperty(replacement = "outbox.initialize-schema", since = "0.2.0")
	public SchemaInitialization getSchemaInitialization() {
		return (this.initializeSchema == DatabaseInitializationMode.ALWAYS) ? SchemaInitialization.ALWAYS
				: SchemaInitialization.NEVER;
	}

	/**
	 * Sets the setting of 0.1.0, now {@code outbox.initialize-schema}.
	 * @param schemaInitialization the mode
	 * @deprecated since 0.2.0 for
	 * {@link #setInitializeSchema(DatabaseInitializationMode)}
	 */
	@Deprecated(since = "0.2.0")
	public void setSchemaInitialization(SchemaInitialization schemaInitialization) {
		this.initializeSchema = (schemaInitialization == SchemaInitialization.ALWAYS)
				? DatabaseInitializationMode.ALWAYS : DatabaseInitializationMode.NEVER;
	}

	public DataSize getMaxPayloadSize() {
		return this.maxPayloadSize;
	}

	public void setMaxPayloadSize(DataSize maxPayloadSize) {
		this.maxPayloadSize = maxPayloadSize;
	}

	public Duration getShutdownTimeout() {
		return this.shutdownTimeout;
	}

	public void setShutdownTimeout(Duration shutdownTimeout) {
		this.shutdownTimeout = shutdownTimeout;
	}

	public Health getHealth() {
		return this.health;
	}

	public Metrics getMetrics() {
		return this.metrics;
	}

	public List<String> getPartitions() {
		return this.partitions;
	}

	public void setPartitions(List<String> partitions) {
		this.partitions = partitions;
	}

	public Membership getMembership() {
		return this.membership;
	}

	public Replication getReplication() {
		return this.replication;
	}

	public Delivery getDelivery() {
		return this.delivery;
	}

	public Cleanup getCleanup() {
		return this.cleanup;
	}

	/**
	 * Whether the outbox creates its schema, as 0.1.0 named it.
	 *
	 * @deprecated since 0.2.0 for {@link DatabaseInitializationMode} and
	 * {@code outbox.initialize-schema}
	 */
	@Deprecated(since = "0.2.0")
	public enum SchemaInitialization {

		/** Create the tables and publication when missing. */
		ALWAYS,

		/** Create nothing; check at startup that the tables and publication exist. */
		NEVER

	}

	/**
	 * The WAL store.
	 */
	public static class Wal {

		/**
		 * Prefix of the outbox's logical decoding messages with store 'wal': letters,
		 * digits and _ . : - /, at most 128 characters. Defaults to 'outbox:' plus the
		 * schema and table, such as 'outbox:public.outbox', so that two outboxes in one
		 * database never read each other's messages.
		 */
		private String prefix;

		/**
		 * Whether payloads of 64 bytes or more are compressed (DEFLATE, written
		 * compressed only when smaller) with store 'wal': 'deflate' or 'none'. The relay
		 * reads both, so it may be changed at any time.
		 */
		private WalCompression compression = WalCompression.DEFLATE;

		public String getPrefix() {
			return this.prefix;
		}

		public void setPrefix(String prefix) {
			this.prefix = prefix;
		}

		public WalCompression getCompression() {
			return this.compression;
		}

		public void setCompression(WalCompression compression) {
			this.compression = compression;
		}

	}

	/**
	 * Replication settings.
	 */
	public static class Replication {

		/** Name of the logical replication slot the relay reads from. */
		private String slotName = "outbox_slot";

		/** Name of the publication of the outbox table. */
		private String publicationName = "outbox_pub";

		/**
		 * JDBC URL for the replication connection. Defaults to the application's
		 * DataSource URL.
		 */
		private String url;

		/**
		 * Login for the replication connection, which needs the REPLICATION attribute.
		 * Defaults to the DataSource's.
		 */
		private String username;

		/** Password of the replication login. */
		private String password;

		/** Longest time between feedback messages to the server, also when idle. */
		private Duration statusInterval = Duration.ofSeconds(10);

		/** Delay before the first reconnection attempt after a failure. */
		private Duration reconnectInitialDelay = Duration.ofMillis(500);

		/** Longest delay between reconnection attempts. */
		private Duration reconnectMaxDelay = Duration.ofSeconds(30);

		/**
		 * How long the reader pauses once it has caught up with a busy server, so that
		 * the server's next messages are read in one go: about half the CPU per message,
		 * for the reader and the server's walsender, at the cost of up to this much
		 * latency while messages stream in fast. 0 never pauses; at most 50ms.
		 */
		private Duration catchUpNap = Duration.ofMillis(1);

		/**
		 * Whether the slot is a failover slot, which PostgreSQL 17 and later synchronize
		 * to standbys with sync_replication_slots, so that the relay goes on from a
		 * promoted standby. An existing slot is changed into one.
		 */
		private boolean failover;

		/**
		 * Whether, with store 'wal', a slot this outbox created that is now missing or
		 * invalidated may be created again. Off, the relay refuses to start and health is
		 * DOWN: the messages the slot had not confirmed are lost, and someone should
		 * know. Turn it on once to accept the loss, then off again.
		 */
		private boolean recreateLostSlot;

		public boolean isFailover() {
			return this.failover;
		}

		public void setFailover(boolean failover) {
			this.failover = failover;
		}

		public boolean isRecreateLostSlot() {
			return this.recreateLostSlot;
		}

		public void setRecreateLostSlot(boolean recreateLostSlot) {
			this.recreateLostSlot = recreateLostSlot;
		}

		public String getSlotName() {
			return this.slotName;
		}

		public void setSlotName(String slotName) {
			this.slotName = slotName;
		}

		public String getPublicationName() {
			return this.publicationName;
		}

		public void setPublicationName(String publicationName) {
			this.publicationName = publicationName;
		}

		public String getUrl() {
			return this.url;
		}

		public void setUrl(String url) {
			this.url = url;
		}

		public String getUsername() {
			return this.username;
		}

		public void setUsername(String username) {
			this.username = username;
		}

		public String getPassword() {
			return this.password;
		}

		public void setPassword(String password) {
			this.password = password;
		}

		public Duration getStatusInterval() {
			return this.statusInterval;
		}

		public void setStatusInterval(Duration statusInterval) {
			this.statusInterval = statusInterval;
		}

		public Duration getReconnectInitialDelay() {
			return this.reconnectInitialDelay;
		}

		public void setReconnectInitialDelay(Duration reconnectInitialDelay) {
			this.reconnectInitialDelay = reconnectInitialDelay;
		}

		public Duration getCatchUpNap() {
			return this.catchUpNap;
		}

		public void setCatchUpNap(Duration catchUpNap) {
			this.catchUpNap = catchUpNap;
		}

		public Duration getReconnectMaxDelay() {
			return this.reconnectMaxDelay;
		}

		public void setReconnectMaxDelay(Duration reconnectMaxDelay) {
			this.reconnectMaxDelay = reconnectMaxDelay;
		}

	}

	/**
	 * Delivery settings.
	 */
	public static class Delivery {

		/** Number of keys delivered in parallel. */
		private int concurrency = 16;

		/** Most messages held in memory between the slot and the publisher. */
		private int bufferSize = 10_000;

		/**
		 * Longest a MessagePublisher call may take; a call that takes longer is
		 * interrupted and counts as failed.
		 */
		private Duration publishTimeout = Duration.ofSeconds(30);

		private final Retry retry = new Retry();

		public int getConcurrency() {
			return this.concurrency;
		}

		public void setConcurrency(int concurrency) {
			this.concurrency = concurrency;
		}

		public int getBufferSize() {
			return this.bufferSize;
		}

		public void setBufferSize(int bufferSize) {
			this.bufferSize = bufferSize;
		}

		public Duration getPublishTimeout() {
			return this.publishTimeout;
		}

		public void setPublishTimeout(Duration publishTimeout) {
			this.publishTimeout = publishTimeout;
		}

		public Retry getRetry() {
			return this.retry;
		}

	}

	/**
	 * Retry settings for failed publish calls.
	 */
	public static class Retry {

		/** Delay before the first retry of a failed message. */
		private Duration initialDelay = Duration.ofMillis(200);

		/** Factor by which the delay grows after each failure. */
		private double multiplier = 2.0;

		/** Longest delay between retries. */
		private Duration maxDelay = Duration.ofSeconds(60);

		/** Fraction by which each delay is randomly shortened or lengthened. */
		private double jitter = 0.2;

		/**
		 * Most publish attempts of a message before it is parked in the dead-letter
		 * table; 0 retries forever.
		 */
		private int maxAttempts = 10;

		public Duration getInitialDelay() {
			return this.initialDelay;
		}

		public void setInitialDelay(Duration initialDelay) {
			this.initialDelay = initialDelay;
		}

		public double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(double multiplier) {
			this.multiplier = multiplier;
		}

		public Duration getMaxDelay() {
			return this.maxDelay;
		}

		public void setMaxDelay(Duration maxDelay) {
			this.maxDelay = maxDelay;
		}

		public double getJitter() {
			return this.jitter;
		}

		public void setJitter(double jitter) {
			this.jitter = jitter;
		}

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

	}

	/**
	 * Settings for deleting delivered rows.
	 */
	public static class Cleanup {

		/** Most delivered rows deleted in one statement. */
		private int batchSize = 1000;

		/** How often delivered rows are deleted. */
		private Duration interval = Duration.ofSeconds(1);

		public int getBatchSize() {
			return this.batchSize;
		}

		public void setBatchSize(int batchSize) {
			this.batchSize = batchSize;
		}

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

	}

	/**
	 * Health indicator settings.
	 */
	public static class Health {

		/**
		 * Replication-slot lag (WAL bytes not yet confirmed) above which health is DOWN.
		 */
		private DataSize maxLag = DataSize.ofGigabytes(1);

		/**
		 * Longest time the health check waits for the database, for all slots together:
		 * they are read at once.
		 */
		private Duration timeout = Duration.ofSeconds(2);

		public DataSize getMaxLag() {
			return this.maxLag;
		}

		public void setMaxLag(DataSize maxLag) {
			this.maxLag = maxLag;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

	}

	/**
	 * Metrics settings.
	 */
	public static class Metrics {

		/**
		 * Whether to tag delivery metrics (and the delivery observation) with the message
		 * type; keep off when types are unbounded.
		 */
		private boolean typeTag = false;

		/**
		 * How often the slot's lag, retained WAL and dead letters are read for the
		 * gauges.
		 */
		private Duration slotRefreshInterval = Duration.ofSeconds(10);

		public boolean isTypeTag() {
			return this.typeTag;
		}

		public void setTypeTag(boolean typeTag) {
			this.typeTag = typeTag;
		}

		public Duration getSlotRefreshInterval() {
			return this.slotRefreshInterval;
		}

		public void setSlotRefreshInterval(Duration slotRefreshInterval) {
			this.slotRefreshInterval = slotRefreshInterval;
		}

	}

	/**
	 * Settings for sharing partitions among instances.
	 */
	public static class Membership {

		/**
		 * Id of this instance among those sharing the partitions. Defaults to the host
		 * name plus a random suffix.
		 */
		private String instanceId;

		/** How often this instance records that it is alive and rebalances partitions. */
		private Duration heartbeatInterval = Duration.ofSeconds(1);

		/**
		 * Time without heartbeat after which an instance counts as dead and its
		 * partitions move.
		 */
		private Duration instanceTimeout = Duration.ofSeconds(10);

		public String getInstanceId() {
			return this.instanceId;
		}

		public void setInstanceId(String instanceId) {
			this.instanceId = instanceId;
		}

		public Duration getHeartbeatInterval() {
			return this.heartbeatInterval;
		}

		public void setHeartbeatInterval(Duration heartbeatInterval) {
			this.heartbeatInterval = heartbeatInterval;
		}

		public Duration getInstanceTimeout() {
			return this.instanceTimeout;
		}

		public void setInstanceTimeout(Duration instanceTimeout) {
			this.instanceTimeout = instanceTimeout;
		}

	}

}
