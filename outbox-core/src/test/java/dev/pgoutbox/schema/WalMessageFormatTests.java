package dev.pgoutbox.schema;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class WalMessageFormatTests {

	private static final UUID ID = UUID.fromString("0190b2c4-1d2e-7f00-8a00-0000000000ff");

	@Test
	void encodesVersionIdAndLengthPrefixedFieldsAsDocumented() {
		byte[] content = WalMessageFormat
			.encode(new OutboxWriter.Row(ID, "T", "k\u00e9", "{\"n\":1}", "{\"h\":\"v\"}", "eu"));
		ByteBuffer expected = ByteBuffer.allocate(content.length);
		expected.put((byte) 1).putLong(ID.getMostSignificantBits()).putLong(ID.getLeastSignificantBits());
		for (String field : new String[] { "T", "k\u00e9", "eu", "{\"h\":\"v\"}", "{\"n\":1}" }) {
			byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
			expected.putInt(bytes.length).put(bytes);
		}
		assertThat(expected.hasRemaining()).isFalse();
		assertThat(content).containsExactly(expected.array());
	}

	@Test
	void roundTripsWithAndWithoutHeaders() {
		OutboxWriter.Row with = new OutboxWriter.Row(ID, "Type", "key \u2713", "[1,2]", "{\"a\":\"b\"}", "default");
		OutboxWriter.Row without = new OutboxWriter.Row(ID, "Type", "key", "\"x\"", null, "p1");
		assertThat(WalMessageFormat.decode(WalMessageFormat.encode(with))).isEqualTo(with);
		assertThat(WalMessageFormat.decode(WalMessageFormat.encode(without))).isEqualTo(without);
		// absent headers are a length of -1
		byte[] content = WalMessageFormat.encode(without);
		int headersAt = 1 + 16 + 4 + 4 + 4 + 3 + 4 + 2;
		assertThat(ByteBuffer.wrap(content, headersAt, 4).getInt()).isEqualTo(-1);
	}

	@Test
	void ignoresBytesAfterThePayloadSoFieldsCanBeAddedAtTheEnd() {
		OutboxWriter.Row row = new OutboxWriter.Row(ID, "T", "k", "{}", null, "default");
		byte[] content = WalMessageFormat.encode(row);
		byte[] longer = Arrays.copyOf(content, content.length + 3);
		assertThat(WalMessageFormat.decode(longer)).isEqualTo(row);
	}

	@Test
	void refusesUnknownVersionsEmptyAndCutContent() {
		byte[] content = WalMessageFormat.encode(new OutboxWriter.Row(ID, "T", "k", "{}", null, "default"));
		byte[] newer = content.clone();
		newer[0] = 2;
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.decode(newer))
			.withMessageContaining("format version 2")
			.withMessageContaining("upgrade the relay");
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.decode(new byte[0]))
			.withMessageContaining("empty");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> WalMessageFormat.decode(Arrays.copyOf(content, content.length - 1)))
			.withMessageContaining("cut short")
			.withMessageContaining("payload");
		byte[] negative = content.clone();
		ByteBuffer.wrap(negative).putInt(17, -5);
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.decode(negative))
			.withMessageContaining("type length -5");
		byte[] noType = content.clone();
		ByteBuffer.wrap(noType).putInt(17, -1);
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.decode(noType))
			.withMessageContaining("type length -1");
	}

	@Test
	void defaultPrefixNamesTheTableAndPrefixesAreChecked() {
		OutboxTable table = new OutboxTable(SqlIdentifier.of("app", "outbox.schema"),
				SqlIdentifier.of("events", "outbox.table"));
		assertThat(WalMessageFormat.defaultPrefix(table)).isEqualTo("outbox:app.events");
		assertThat(WalMessageFormat.checkPrefix("my-app/outbox:v1_x.y", "p")).isEqualTo("my-app/outbox:v1_x.y");
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.checkPrefix("", "outbox.wal.prefix"))
			.withMessageContaining("'outbox.wal.prefix' must be 1 to 128 characters");
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.checkPrefix(null, "p"))
			.withMessageContaining("1 to 128");
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.checkPrefix("a".repeat(129), "p"))
			.withMessageContaining("1 to 128");
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.checkPrefix("it's", "p"))
			.withMessageContaining("index 2");
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.checkPrefix("a\u0000", "p"))
			.withMessageContaining("index 1");
	}

}
