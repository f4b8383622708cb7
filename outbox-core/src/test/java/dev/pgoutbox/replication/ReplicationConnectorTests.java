package dev.pgoutbox.replication;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ReplicationConnectorTests {

	@Test
	void configuredLoginWinsOverOneInTheUrl() {
		ReplicationConnector connector = new ReplicationConnector(
				"jdbc:postgresql://db:5432/shop?user=app&password=apppw&ssl=true", "relay", "relaypw");
		assertThat(connector.username()).isEqualTo("relay");
		assertThat(connector.toString()).contains("jdbc:postgresql://db:5432/shop?ssl=true").doesNotContain("apppw");
	}

	@Test
	void loginInTheUrlIsUsedWhenNoneIsConfigured() {
		ReplicationConnector connector = new ReplicationConnector("jdbc:postgresql://db/shop?user=app&password=pw",
				null, null);
		assertThat(connector.username()).isEqualTo("app");
		assertThat(connector.toString()).doesNotContain("pw");
	}

	@Test
	void modesReplicationNeedsCannotBeOverriddenByTheUrl() {
		ReplicationConnector connector = new ReplicationConnector(
				"jdbc:postgresql://db/shop?preferQueryMode=extended&replication=false&tcpKeepAlive=true", "u", null);
		assertThat(connector.toString()).contains("jdbc:postgresql://db/shop?tcpKeepAlive=true");
	}

	@Test
	void rejectsAnUrlThatIsNotPostgres() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ReplicationConnector("jdbc:mysql://db/x?password=pw", "u", null))
			.withMessageContaining("jdbc:postgresql:")
			.withMessageNotContaining("pw&")
			.withMessageContaining("password=******");
	}

}
