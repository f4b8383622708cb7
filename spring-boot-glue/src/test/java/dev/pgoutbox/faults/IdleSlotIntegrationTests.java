package dev.pgoutbox.faults;

import java.time.Duration;
import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.pgoutbox.Lsn;
import dev.pgoutbox.MessagePublisher;
import dev.pgoutbox.relay.RelayState;
import dev.pgoutbox.testsupport.OutboxContexts;
import dev.pgoutbox.testsupport.Probes;
import dev.pgoutbox.testsupport.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A quiet outbox beside a busy database: the slot's confirmed position follows the
 * server's WAL, so the slot retains none of it.
 */
class IdleSlotIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@Test
	void slotAdvancesPastUnrelatedWritesInTheSameAndOtherDatabases() {
		OutboxContexts.Target target = OutboxContexts.newTarget();
		String otherDatabase = TestPostgres.createDatabase();
		OutboxContexts.runner(target).withBean(MessagePublisher.class, () -> (message) -> {
		}).run((context) -> {
			Probes.awaitState(context, RelayState.RUNNING, WAIT);
			DataSource dataSource = context.getBean(DataSource.class);
			try (var other = TestPostgres.dataSource(otherDatabase)) {
				TestPostgres.update(dataSource, "CREATE TABLE unrelated (v text)");
				TestPostgres.update(other, "CREATE TABLE unrelated (v text)");
				Lsn before = Probes.slotConfirmed(dataSource, target.slot());
				for (int i = 0; i < 20; i++) {
					TestPostgres.update(dataSource,
							"INSERT INTO unrelated SELECT repeat('x', 500) FROM generate_series(1, 500)");
					TestPostgres.update(other,
							"INSERT INTO unrelated SELECT repeat('y', 500) FROM generate_series(1, 500)");
				}
				Lsn afterBurst = Probes.currentWal(dataSource);
				long burst = afterBurst.bytesSince(before);
				assertThat(burst).as("WAL written by the burst").isGreaterThan(5_000_000);
				// the slot catches up with the end of the burst although no outbox row
				// was written
				Awaitility.await()
					.atMost(WAIT)
					.until(() -> Probes.slotConfirmed(dataSource, target.slot()).compareTo(afterBurst) >= 0);
				System.out.printf("RESULT idle-slot burst_bytes=%d lag_before_burst=%d lag_after=%d%n", burst,
						afterBurst.bytesSince(before),
						Probes.currentWal(dataSource).bytesSince(Probes.slotConfirmed(dataSource, target.slot())));
			}
		});
	}

}
