package dev.pgoutbox.replication;

import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import dev.pgoutbox.schema.OutboxTable;
import dev.pgoutbox.schema.SqlIdentifier;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cleaner looks again for a row its delete did not find: the walsender may send a
 * commit before the writing transaction is visible to other sessions.
 */
class DeliveredRowCleanerIntegrationTests {

	@Test
	void deletesARowThatBecameVisibleAfterItsFirstDelete() {
		String database = TestPostgres.createDatabase();
		TestPostgres.execute(database, "CREATE TABLE outbox (id uuid PRIMARY KEY)");
		try (HikariDataSource dataSource = TestPostgres.dataSource(database)) {
			DeliveredRowCleaner cleaner = new DeliveredRowCleaner(dataSource,
					new OutboxTable(SqlIdentifier.of("public", "schema"), SqlIdentifier.of("outbox", "table")), 100);
			UUID late = UUID.randomUUID();
			UUID present = UUID.randomUUID();
			TestPostgres.execute(database, "INSERT INTO outbox VALUES ('" + present + "')");
			cleaner.add(late);
			cleaner.add(present);
			assertThat(cleaner.deleteDelivered()).isEqualTo(1);
			// the late row is visible now
			TestPostgres.execute(database, "INSERT INTO outbox VALUES ('" + late + "')");
			assertThat(cleaner.deleteDelivered()).isEqualTo(1);
			assertThat(TestPostgres.queryForString(dataSource, "SELECT count(*) FROM outbox")).isEqualTo("0");
			// a row that never shows up is given up after a few rounds
			cleaner.add(UUID.randomUUID());
			for (int round = 0; round < 10; round++) {
				assertThat(cleaner.deleteDelivered()).isZero();
			}
		}
	}

}
