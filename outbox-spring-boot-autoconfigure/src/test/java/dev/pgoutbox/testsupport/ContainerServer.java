package dev.pgoutbox.testsupport;

import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The Testcontainers provider of {@link TestPostgres}, for machines with Docker.
 */
final class ContainerServer implements TestPostgres.Server {

	private final PostgreSQLContainer container;

	private ContainerServer(PostgreSQLContainer container) {
		this.container = container;
	}

	static ContainerServer start() {
		PostgreSQLContainer container = new PostgreSQLContainer("postgres:17").withCommand("postgres", "-c",
				"wal_level=logical", "-c", "max_replication_slots=256", "-c", "max_wal_senders=64", "-c",
				"max_connections=300", "-c", "fsync=off");
		container.start();
		return new ContainerServer(container);
	}

	@Override
	public String jdbcUrl(String database) {
		return "jdbc:postgresql://" + this.container.getHost() + ":" + this.container.getMappedPort(5432) + "/"
				+ database;
	}

	@Override
	public String username() {
		return this.container.getUsername();
	}

	@Override
	public String password() {
		return this.container.getPassword();
	}

}
