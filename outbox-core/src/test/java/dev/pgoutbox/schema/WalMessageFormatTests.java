package dev.pgoutbox.schema;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import java.util.zip.Inflater;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class WalMessageFormatTests {

	private static final UUID ID = UUID.fromString("0190b2c4-1d2e-7f00-8a00-0000000000ff");

	/** The benchmark's order event: about 280 bytes of JSON. */
	private static final String ORDER = "{\"orderId\":\"ord-0000012345\",\"customerId\":\"customer-00345\","
			+ "\"status\":\"PLACED\",\"currency\":\"EUR\",\"total\":\"12345.99\",\"items\":[{\"sku\":"
			+ "\"SKU-00345-A\",\"quantity\":2,\"unitPrice\":\"19.99\"},{\"sku\":\"SKU-00345-B\",\"quantity\":1,"
			+ "\"unitPrice\":\"5.49\"}],\"channel\":\"web\",\"placedAt\":\"2025-06-01T12:00:00Z\"}";

	@Test
	void encodesVersionFlagsIdAndVarintPrefixedFieldsAsDocumented() {
		byte[] content = WalMessageFormat.encode(
				new OutboxWriter.Row(ID, "T", "k\u00e9", "{\"n\":1}", "{\"h\":\"v\"}", "eu", "a,b"),
				WalCompression.NONE);
		Bytes expected = new Bytes().put(2, 2 | 4 | 8).id(ID);
		for (String field : new String[] { "T", "k\u00e9", "eu", "{\"h\":\"v\"}", "a,b", "{\"n\":1}" }) {
			expected.field(field.getBytes(StandardCharsets.UTF_8));
		}
		assertThat(content).containsExactly(expected.toArray());
	}

	@Test
	void leavesOutTheDefaultPartitionAndAbsentFields() {
		byte[] content = WalMessageFormat.encode(new OutboxWriter.Row(ID, "T", "k", "{}", null, "default"),
				WalCompression.NONE);
		assertThat(content).containsExactly(new Bytes().put(2, 0).id(ID).field("T").field("k").field("{}").toArray());
		assertThat(WalMessageFormat.decode(content).partition()).isEqualTo("default");
	}

	@Test
	void writesLengthsOf128AndMoreInSeveralVarintBytes() {
		String payload = "\"" + "x".repeat(298) + "\"";
		byte[] content = WalMessageFormat.encode(new OutboxWriter.Row(ID, "T", "k", payload, null, "default"),
				WalCompression.NONE);
		// 300 = 0b10_0101100: low seven bits first, with the high bit saying more follows
		assertThat(Arrays.copyOfRange(content, 22, 24)).containsExactly((byte) 0xAC, (byte) 0x02);
		assertThat(content).hasSize(24 + 300);
		assertThat(WalMessageFormat.decode(content).payloadJson()).isEqualTo(payload);
	}

	@Test
	void compressesAPayloadWithRawDeflateAfterItsLength() throws Exception {
		byte[] content = WalMessageFormat
			.encode(new OutboxWriter.Row(ID, "OrderPlaced", "customer-00345", ORDER, null, "default"));
		ByteBuffer in = ByteBuffer.wrap(content);
		assertThat(in.get()).isEqualTo((byte) 2);
		assertThat(in.get()).isEqualTo((byte) 1);
		in.position(2 + 16 + 1 + 11 + 1 + 14);
		byte[] order = ORDER.getBytes(StandardCharsets.UTF_8);
		assertThat(order).hasSize(281);
		assertThat(new byte[] { in.get(), in.get() }).containsExactly((byte) (0x80 | (281 & 0x7F)), (byte) 2);
		int stored = (in.get() & 0x7F) | (in.get() << 7);
		assertThat(in.remaining()).isEqualTo(stored);
		Inflater inflater = new Inflater(true);
		inflater.setInput(content, in.position(), stored);
		byte[] out = new byte[order.length];
		assertThat(inflater.inflate(out)).isEqualTo(order.length);
		assertThat(out).containsExactly(order);
		inflater.end();
		// what the WAL gains: the 281-byte event is stored in 184 bytes here
		assertThat(content.length).isLessThan(2 + 16 + 12 + 15 + 3 + 200);
	}

	@Test
	void compressesOnlyPayloadsOfTheMinimumSizeAndOnlyWhenThatIsSmaller() {
		String small = "\"" + "a".repeat(WalMessageFormat.MIN_COMPRESSED_PAYLOAD - 3) + "\"";
		String justLargeEnough = "\"" + "a".repeat(WalMessageFormat.MIN_COMPRESSED_PAYLOAD - 2) + "\"";
		// no character repeats: with no match to point back to, DEFLATE's codes are no
		// shorter than the bytes, so the payload is written as it is
		StringBuilder distinct = new StringBuilder("\"");
		for (char c = '0'; distinct.length() < WalMessageFormat.MIN_COMPRESSED_PAYLOAD + 10; c++) {
			distinct.append(c);
		}
		String unique = distinct.append('"').toString().replace("\\", "").replace("\"", "");
		String uniqueJson = "\"" + unique + "\"";
		assertThat(flags(small, WalCompression.DEFLATE) & 1).isZero();
		assertThat(flags(justLargeEnough, WalCompression.DEFLATE) & 1).isOne();
		assertThat(flags(ORDER, WalCompression.NONE) & 1).isZero();
		assertThat(flags(uniqueJson, WalCompression.DEFLATE) & 1).isZero();
		assertThat(WalMessageFormat.decode(encode(uniqueJson, WalCompression.DEFLATE)).payloadJson())
			.isEqualTo(uniqueJson);
	}

	@Test
	void roundTripsWhateverTheFieldsAndSizes() {
		Random random = new Random(42);
		for (int size : new int[] { 0, 1, 63, 64, 127, 128, 300, 16_383, 16_384, 100_000 }) {
			StringBuilder payload = new StringBuilder("[");
			while (payload.length() < size) {
				payload.append(random.nextInt(1000)).append(random.nextBoolean() ? ",\"\u00e9t\u00e9\"," : ",");
			}
			String json = payload.append("0]").toString();
			for (WalCompression compression : WalCompression.values()) {
				OutboxWriter.Row plain = new OutboxWriter.Row(ID, "Type", "key \u2713", json, null, "default");
				OutboxWriter.Row full = new OutboxWriter.Row(ID, "Type", "k", json, "{\"a\":\"b\"}", "p1", "email");
				assertThat(WalMessageFormat.decode(WalMessageFormat.encode(plain, compression))).isEqualTo(plain);
				assertThat(WalMessageFormat.decode(WalMessageFormat.encode(full, compression))).isEqualTo(full);
			}
		}
	}

	@Test
	void ignoresBytesAfterTheFieldsItKnowsSoFieldsCanBeAddedAtTheEnd() {
		for (String payload : new String[] { "{}", ORDER }) {
			OutboxWriter.Row row = new OutboxWriter.Row(ID, "T", "k", payload, null, "default", "a");
			byte[] content = WalMessageFormat.encode(row);
			assertThat(WalMessageFormat.decode(Arrays.copyOf(content, content.length + 3))).isEqualTo(row);
		}
	}

	@Test
	void readsTheFirstVersionWithInt32Lengths() {
		Bytes first = new Bytes().put(1).id(ID);
		for (String field : new String[] { "T", "k\u00e9", "eu" }) {
			first.int32Field(field);
		}
		first.int32(-1).int32Field("{\"n\":1}");
		assertThat(WalMessageFormat.decode(first.toArray()))
			.isEqualTo(new OutboxWriter.Row(ID, "T", "k\u00e9", "{\"n\":1}", null, "eu"));
		first.int32Field("email,search").put(0, 0, 0);
		assertThat(WalMessageFormat.decode(first.toArray()))
			.isEqualTo(new OutboxWriter.Row(ID, "T", "k\u00e9", "{\"n\":1}", null, "eu", "email,search"));
		byte[] negative = new Bytes().put(1).id(ID).int32(-5).toArray();
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.decode(negative))
			.withMessageContaining("type length -5");
	}

	@Test
	void refusesUnknownVersionsAndFlagsEmptyAndCutContent() {
		byte[] content = WalMessageFormat.encode(new OutboxWriter.Row(ID, "T", "k", "{}", null, "default"));
		byte[] newer = content.clone();
		newer[0] = 3;
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.decode(newer))
			.withMessageContaining("format version 3")
			.withMessageContaining("upgrade the relay");
		byte[] flagged = content.clone();
		flagged[1] = 16;
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.decode(flagged))
			.withMessageContaining("flags 16")
			.withMessageContaining("upgrade the relay");
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.decode(new byte[0]))
			.withMessageContaining("empty");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> WalMessageFormat.decode(Arrays.copyOf(content, content.length - 1)))
			.withMessageContaining("cut short")
			.withMessageContaining("payload");
		byte[] endless = new Bytes().put(2, 0).id(ID).put(0x80, 0x80, 0x80, 0x80, 0x80, 0x01).toArray();
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.decode(endless))
			.withMessageContaining("type length that is not a varint");
		byte[] tooLong = new Bytes().put(2, 0).id(ID).put(0xFF, 0xFF, 0xFF, 0xFF, 0x0F).toArray();
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.decode(tooLong))
			.withMessageContaining("below 2^31");
		byte[] unfinished = new Bytes().put(2, 0).id(ID).put(0x80).toArray();
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.decode(unfinished))
			.withMessageContaining("cut short");
	}

	@Test
	void refusesACompressedPayloadThatIsNotWhatItDeclares() {
		byte[] content = WalMessageFormat.encode(new OutboxWriter.Row(ID, "T", "k", ORDER, null, "default"));
		int lengthAt = 2 + 16 + 2 + 2;
		assertThat(content[lengthAt]).isEqualTo((byte) (0x80 | (281 & 0x7F)));
		byte[] longer = content.clone();
		longer[lengthAt]++;
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.decode(longer))
			.withMessageContaining("compressed payload that is not valid")
			.withMessageContaining("282 bytes");
		byte[] shorter = content.clone();
		shorter[lengthAt]--;
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.decode(shorter))
			.withMessageContaining("more than the 280 bytes");
		byte[] corrupt = content.clone();
		Arrays.fill(corrupt, lengthAt + 4, corrupt.length, (byte) 0xFF);
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.decode(corrupt))
			.withMessageContaining("compressed payload that is not valid");
		// a length no DEFLATE data of that size can reach is refused before anything is
		// allocated
		byte[] bomb = new Bytes().put(2, 1)
			.id(ID)
			.field("T")
			.field("k")
			.put(0xFF, 0xFF, 0xFF, 0xFF, 0x07, 2, 3, 0)
			.toArray();
		assertThatIllegalArgumentException().isThrownBy(() -> WalMessageFormat.decode(bomb))
			.withMessageContaining("more than 2 compressed bytes can hold");
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

	private static int flags(String payload, WalCompression compression) {
		return encode(payload, compression)[1];
	}

	private static byte[] encode(String payload, WalCompression compression) {
		return WalMessageFormat.encode(new OutboxWriter.Row(ID, "T", "k", payload, null, "default"), compression);
	}

	/** Expected content, written byte by byte. */
	private static final class Bytes {

		private final ByteArrayOutputStream out = new ByteArrayOutputStream();

		Bytes put(int... bytes) {
			for (int b : bytes) {
				this.out.write(b);
			}
			return this;
		}

		Bytes id(UUID id) {
			this.out.writeBytes(ByteBuffer.allocate(16)
				.putLong(id.getMostSignificantBits())
				.putLong(id.getLeastSignificantBits())
				.array());
			return this;
		}

		Bytes field(String text) {
			return field(text.getBytes(StandardCharsets.UTF_8));
		}

		Bytes field(byte[] bytes) {
			// every field in these tests is shorter than 128 bytes: a one-byte varint
			assertThat(bytes.length).isLessThan(128);
			this.out.write(bytes.length);
			this.out.writeBytes(bytes);
			return this;
		}

		Bytes int32(int value) {
			this.out.writeBytes(ByteBuffer.allocate(4).putInt(value).array());
			return this;
		}

		Bytes int32Field(String text) {
			byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
			return int32(bytes.length).put(toInts(bytes));
		}

		byte[] toArray() {
			return this.out.toByteArray();
		}

		private static int[] toInts(byte[] bytes) {
			int[] ints = new int[bytes.length];
			for (int i = 0; i < bytes.length; i++) {
				ints[i] = bytes[i] & 0xFF;
			}
			return ints;
		}

	}

}
