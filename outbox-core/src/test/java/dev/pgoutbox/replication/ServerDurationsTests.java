package dev.pgoutbox.replication;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ServerDurationsTests {

	@Test
	void readsTheFormsShowPrints() {
		assertThat(ServerDurations.parse("1min")).isEqualTo(Duration.ofMinutes(1));
		assertThat(ServerDurations.parse("60s")).isEqualTo(Duration.ofSeconds(60));
		assertThat(ServerDurations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
		assertThat(ServerDurations.parse("2h")).isEqualTo(Duration.ofHours(2));
		assertThat(ServerDurations.parse("1500")).isEqualTo(Duration.ofMillis(1500));
	}

	@Test
	void treatsZeroAndUnreadableValuesAsNoTimeout() {
		assertThat(ServerDurations.parse("0")).isZero();
		assertThat(ServerDurations.parse("forever")).isZero();
		assertThat(ServerDurations.parse(null)).isZero();
	}

}
