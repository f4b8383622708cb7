package dev.pgoutbox.schema;

import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SqlIdentifierTests {

	@ParameterizedTest
	@ValueSource(strings = { "outbox", "outbox_message", "_outbox", "o", "_", "outbox2", "a1_b2_c3" })
	void acceptsLowerCaseNamesOfLettersDigitsAndUnderscores(String name) {
		SqlIdentifier identifier = SqlIdentifier.of(name, "outbox.table");
		assertThat(identifier.name()).isEqualTo(name);
		assertThat(identifier).hasToString(name);
	}

	@Test
	void acceptsNamesOfSixtyThreeCharactersThePostgresLimit() {
		String name = "a".repeat(63);
		assertThat(SqlIdentifier.of(name, "outbox.table").name()).isEqualTo(name);
	}

	static Stream<String> invalidNames() {
		return Stream.of("outbox; drop table users", "outbox\"; drop table users; --", "out\"box", "\"outbox\"",
				"out'box", "Outbox", "OUTBOX", "outBox", "my table", " outbox", "outbox ", "outbox\n", "", "1outbox",
				"9", "a".repeat(64), "a".repeat(200), "public.outbox", "out-box", "outbox$", "caf\u00e9", "outbox--");
	}

	@ParameterizedTest
	@MethodSource("invalidNames")
	void rejectsNamesThatCouldInjectSqlOrWouldBeFoldedNamingTheProperty(String name) {
		assertThatIllegalArgumentException().isThrownBy(() -> SqlIdentifier.of(name, "outbox.table"))
			.withMessageContaining("outbox.table");
	}

	@ParameterizedTest
	@MethodSource("invalidNames")
	void rejectsInvalidNamesAlsoThroughTheConstructor(String name) {
		assertThatIllegalArgumentException().isThrownBy(() -> new SqlIdentifier(name));
	}

	@Test
	void messageShowsTheRejectedValueAndTheRule() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> SqlIdentifier.of("outbox; drop table users", "outbox.table"))
			.withMessageContaining("'outbox.table'")
			.withMessageContaining("'outbox; drop table users'")
			.withMessageContaining("lower-case");
	}

	@Test
	void rejectsNullNamingTheProperty() {
		assertThatIllegalArgumentException().isThrownBy(() -> SqlIdentifier.of(null, "outbox.publication-name"))
			.withMessageContaining("outbox.publication-name");
	}

	@Test
	void namesTheGivenPropertyNotADefault() {
		assertThatIllegalArgumentException().isThrownBy(() -> SqlIdentifier.of("Bad", "outbox.replication.slot-name"))
			.withMessageContaining("'outbox.replication.slot-name'")
			.withMessageNotContaining("outbox.table");
	}

	@Test
	void quotedWrapsTheNameInDoubleQuotes() {
		assertThat(SqlIdentifier.of("outbox", "outbox.table").quoted()).isEqualTo("\"outbox\"");
		assertThat(SqlIdentifier.of("_a1", "outbox.table").quoted()).isEqualTo("\"_a1\"");
	}

	@Test
	void identifiersWithTheSameNameAreEqual() {
		assertThat(SqlIdentifier.of("outbox", "outbox.table")).isEqualTo(new SqlIdentifier("outbox"));
	}

}
