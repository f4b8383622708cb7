package dev.pgoutbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class LsnTests {

	@Test
	void parsesTheServerTextFormIntoHighAndLowWords() {
		Lsn lsn = Lsn.valueOf("16/B374D848");
		assertThat(lsn.value()).isEqualTo(0x16_B374_D848L);
	}

	@Test
	void formatsAsTheServerTextFormSoThatParseAndFormatRoundTrip() {
		assertThat(Lsn.valueOf("16/B374D848").asString()).isEqualTo("16/B374D848");
		assertThat(Lsn.valueOf("16/B374D848")).hasToString("16/B374D848");
		assertThat(Lsn.valueOf(0x16_B374_D848L).asString()).isEqualTo("16/B374D848");
		assertThat(Lsn.valueOf("0/1").asString()).isEqualTo("0/1");
		assertThat(Lsn.valueOf(-1L).asString()).isEqualTo("FFFFFFFF/FFFFFFFF");
		assertThat(Lsn.valueOf("FFFFFFFF/FFFFFFFF").value()).isEqualTo(-1L);
		assertThat(Lsn.valueOf(Lsn.valueOf(0x8000_0000_0000_0010L).asString()).value())
			.isEqualTo(0x8000_0000_0000_0010L);
	}

	@Test
	void acceptsLowerCaseHexDigits() {
		assertThat(Lsn.valueOf("16/b374d848")).isEqualTo(Lsn.valueOf("16/B374D848"));
	}

	@Test
	void zeroIsTheInvalidPosition() {
		assertThat(Lsn.valueOf("0/0")).isEqualTo(Lsn.ZERO);
		assertThat(Lsn.valueOf(0)).isSameAs(Lsn.ZERO);
		assertThat(Lsn.ZERO.asString()).isEqualTo("0/0");
	}

	@Test
	void comparesAsUnsignedSoPositionsWithTheTopBitSetAreGreater() {
		Lsn topBitSet = Lsn.valueOf("80000000/0");
		Lsn largestSignedPositive = Lsn.valueOf("7FFFFFFF/FFFFFFFF");
		Lsn highest = Lsn.valueOf("FFFFFFFF/FFFFFFFF");
		assertThat(topBitSet.value()).isNegative();
		assertThat(topBitSet).isGreaterThan(largestSignedPositive);
		assertThat(highest).isGreaterThan(topBitSet);
		assertThat(Lsn.ZERO).isLessThan(Lsn.valueOf("0/1"));
		assertThat(Lsn.valueOf("1/0")).isGreaterThan(Lsn.valueOf("0/FFFFFFFF"));
		assertThat(topBitSet.max(largestSignedPositive)).isEqualTo(topBitSet);
		assertThat(largestSignedPositive.max(topBitSet)).isEqualTo(topBitSet);
		assertThat(Lsn.valueOf("16/B374D848")).isEqualByComparingTo(Lsn.valueOf(0x16_B374_D848L));
	}

	@Test
	void bytesSinceIsTheDistanceFromAnEarlierPosition() {
		assertThat(Lsn.valueOf("1/0").bytesSince(Lsn.valueOf("0/FFFFFFF0"))).isEqualTo(16);
		assertThat(Lsn.valueOf("16/B374D848").bytesSince(Lsn.ZERO)).isEqualTo(0x16_B374_D848L);
		assertThat(Lsn.valueOf("80000000/10").bytesSince(Lsn.valueOf("7FFFFFFF/FFFFFFF0"))).isEqualTo(0x20);
	}

	@Test
	void bytesSinceIsZeroWhenTheOtherPositionIsNotEarlier() {
		Lsn position = Lsn.valueOf("16/B374D848");
		assertThat(position.bytesSince(position)).isZero();
		assertThat(position.bytesSince(Lsn.valueOf("16/B374D849"))).isZero();
		assertThat(Lsn.valueOf("7FFFFFFF/FFFFFFFF").bytesSince(Lsn.valueOf("80000000/0"))).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "16", "16B374D848", "/B374D848", "16/", "123456789/0", "0/123456789", "G/0",
			"16/B374D84Z", "1/2/3", " 16/B374D848", "16/B374D848 ", "16 / B374D848", "0x16/B374D848" })
	void rejectsTextThatIsNotAWalPositionNamingTheInput(String text) {
		assertThatIllegalArgumentException().isThrownBy(() -> Lsn.valueOf(text))
			.withMessageContaining("'" + text + "'");
	}

	@Test
	void rejectsNullText() {
		assertThatIllegalArgumentException().isThrownBy(() -> Lsn.valueOf((String) null))
			.withMessageContaining("'text'");
	}

}
