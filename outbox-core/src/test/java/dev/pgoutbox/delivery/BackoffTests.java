package dev.pgoutbox.delivery;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class BackoffTests {

	private static final Duration MS_100 = Duration.ofMillis(100);

	private static final Duration SECOND = Duration.ofSeconds(1);

	@Test
	void delaysGrowByTheMultiplierUpToTheMaximum() {
		Backoff backoff = new Backoff(MS_100, 2.0, SECOND, 0.0);
		assertThat(backoff.delay(1)).isEqualTo(Duration.ofMillis(100));
		assertThat(backoff.delay(2)).isEqualTo(Duration.ofMillis(200));
		assertThat(backoff.delay(3)).isEqualTo(Duration.ofMillis(400));
		assertThat(backoff.delay(4)).isEqualTo(Duration.ofMillis(800));
		assertThat(backoff.delay(5)).isEqualTo(SECOND);
		assertThat(backoff.delay(6)).isEqualTo(SECOND);
	}

	@Test
	void staysAtTheMaximumForVeryManyRetries() {
		Backoff backoff = new Backoff(MS_100, 2.0, SECOND, 0.0);
		assertThat(backoff.delay(1_000)).isEqualTo(SECOND);
		assertThat(backoff.delay(Integer.MAX_VALUE)).isEqualTo(SECOND);
	}

	@Test
	void multiplierOfOneKeepsTheDelayConstant() {
		Backoff backoff = new Backoff(MS_100, 1.0, SECOND, 0.0);
		assertThat(backoff.delay(1)).isEqualTo(MS_100);
		assertThat(backoff.delay(50)).isEqualTo(MS_100);
	}

	@Test
	void fractionalMultiplierGrowsGradually() {
		Backoff backoff = new Backoff(MS_100, 1.5, SECOND, 0.0);
		assertThat(backoff.delay(2)).isEqualTo(Duration.ofMillis(150));
		assertThat(backoff.delay(3)).isEqualTo(Duration.ofMillis(225));
	}

	@Test
	void jitterSpreadsDelaysWithinTheFractionEitherWay() {
		Backoff backoff = new Backoff(MS_100, 2.0, SECOND, 0.25);
		Duration shortest = null;
		Duration longest = null;
		for (int i = 0; i < 10_000; i++) {
			Duration delay = backoff.delay(2);
			assertThat(delay).isBetween(Duration.ofMillis(150), Duration.ofMillis(250));
			shortest = (shortest == null || delay.compareTo(shortest) < 0) ? delay : shortest;
			longest = (longest == null || delay.compareTo(longest) > 0) ? delay : longest;
		}
		// spread over most of the range on both sides, so keys do not retry in step
		assertThat(shortest).isLessThan(Duration.ofMillis(160));
		assertThat(longest).isGreaterThan(Duration.ofMillis(240));
	}

	@Test
	void jitterAppliesToTheCappedDelay() {
		Backoff backoff = new Backoff(MS_100, 2.0, SECOND, 0.5);
		for (int i = 0; i < 10_000; i++) {
			assertThat(backoff.delay(20)).isBetween(Duration.ofMillis(500), Duration.ofMillis(1500));
		}
	}

	@Test
	void fullJitterNeverGivesANegativeOrZeroDelay() {
		Backoff backoff = new Backoff(MS_100, 2.0, SECOND, 1.0);
		for (int i = 0; i < 10_000; i++) {
			assertThat(backoff.delay(1)).isPositive().isLessThanOrEqualTo(Duration.ofMillis(200));
		}
	}

	@Test
	void rejectsAMissingZeroOrNegativeInitialDelay() {
		assertThatIllegalArgumentException().isThrownBy(() -> new Backoff(null, 2.0, SECOND, 0.0))
			.withMessageContaining("'initial'");
		assertThatIllegalArgumentException().isThrownBy(() -> new Backoff(Duration.ZERO, 2.0, SECOND, 0.0))
			.withMessageContaining("'initial'");
		assertThatIllegalArgumentException().isThrownBy(() -> new Backoff(Duration.ofMillis(-1), 2.0, SECOND, 0.0))
			.withMessageContaining("'initial'");
	}

	@Test
	void rejectsAMissingMaximumOrOneShorterThanTheInitialDelay() {
		assertThatIllegalArgumentException().isThrownBy(() -> new Backoff(MS_100, 2.0, null, 0.0))
			.withMessageContaining("'max'");
		assertThatIllegalArgumentException().isThrownBy(() -> new Backoff(SECOND, 2.0, MS_100, 0.0))
			.withMessageContaining("'max'");
	}

	@Test
	void acceptsAMaximumEqualToTheInitialDelay() {
		assertThat(new Backoff(SECOND, 2.0, SECOND, 0.0).delay(3)).isEqualTo(SECOND);
	}

	@Test
	void rejectsAMultiplierBelowOneOrNotFinite() {
		for (double multiplier : new double[] { 0.0, 0.99, -2.0, Double.NaN, Double.POSITIVE_INFINITY }) {
			assertThatIllegalArgumentException().as("multiplier %s", multiplier)
				.isThrownBy(() -> new Backoff(MS_100, multiplier, SECOND, 0.0))
				.withMessageContaining("'multiplier'");
		}
	}

	@Test
	void rejectsJitterOutsideZeroToOne() {
		for (double jitter : new double[] { -0.01, 1.01, Double.NaN, Double.POSITIVE_INFINITY }) {
			assertThatIllegalArgumentException().as("jitter %s", jitter)
				.isThrownBy(() -> new Backoff(MS_100, 2.0, SECOND, jitter))
				.withMessageContaining("'jitter'");
		}
	}

}
