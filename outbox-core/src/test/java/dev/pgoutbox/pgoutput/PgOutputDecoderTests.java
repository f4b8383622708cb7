package dev.pgoutbox.pgoutput;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.pgoutbox.Lsn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class PgOutputDecoderTests {

	/**
	 * 2024-01-02T03:04:05.123456Z as microseconds since 2000-01-01T00:00:00Z, computed
	 * independently.
	 */
	private static final long KNOWN_PG_MICROS = 757_479_845_123_456L;

	private static final Instant KNOWN_INSTANT = Instant.parse("2024-01-02T03:04:05.123456Z");

	private static final String MULTIBYTE = "h\u00e9llo \u2713 \ud83d\ude00";

	private final PgOutputDecoder decoder = new PgOutputDecoder();

	@Test
	void decodesBeginWithFinalLsnCommitTimeFromPostgresEpochAndXid() {
		ByteBuffer buffer = new Wire().tag('B')
			.int64(0x16_B374_D848L)
			.int64(KNOWN_PG_MICROS)
			.int32(0x8000_0001)
			.toBuffer();
		PgOutputMessage message = this.decoder.decode(buffer);
		assertThat(message).isEqualTo(new Begin(Lsn.valueOf("16/B374D848"), KNOWN_INSTANT, 0x8000_0001));
		assertThat(((Begin) message).finalLsn().asString()).isEqualTo("16/B374D848");
	}

	@Test
	void decodesCommitTimeBeforePostgresEpoch() {
		ByteBuffer buffer = new Wire().tag('B').int64(1).int64(-1).int32(7).toBuffer();
		Begin begin = (Begin) this.decoder.decode(buffer);
		assertThat(begin.commitTime()).isEqualTo(Instant.parse("1999-12-31T23:59:59.999999Z"));
	}

	@Test
	void decodesCommitWithCommitLsnEndLsnAndCommitTime() {
		ByteBuffer buffer = new Wire().tag('C')
			.int8(0)
			.int64(0x1_0000_0010L)
			.int64(0x1_0000_0048L)
			.int64(KNOWN_PG_MICROS)
			.toBuffer();
		assertThat(this.decoder.decode(buffer))
			.isEqualTo(new Commit(Lsn.valueOf("1/10"), Lsn.valueOf("1/48"), KNOWN_INSTANT));
	}

	@Test
	void decodesRelationWithNamespaceNameAndColumnFlagsTypesAndModifiers() {
		ByteBuffer buffer = new Wire().tag('R')
			.int32(16_385)
			.string("public")
			.string("outbox_message")
			.int8('d')
			.int16(3)
			.int8(1)
			.string("id")
			.int32(2950)
			.int32(-1)
			.int8(0)
			.string("topic")
			.int32(1043)
			.int32(204)
			.int8(0)
			.string("payload_" + MULTIBYTE)
			.int32(3802)
			.int32(-1)
			.toBuffer();
		Relation relation = (Relation) this.decoder.decode(buffer);
		assertThat(relation.oid()).isEqualTo(16_385);
		assertThat(relation.namespace()).isEqualTo("public");
		assertThat(relation.name()).isEqualTo("outbox_message");
		assertThat(relation.columns()).containsExactly(new Relation.Column("id", 2950, -1, true),
				new Relation.Column("topic", 1043, 204, false),
				new Relation.Column("payload_" + MULTIBYTE, 3802, -1, false));
		assertThat(relation.indexOf("topic")).isEqualTo(1);
		assertThat(relation.indexOf("payload_" + MULTIBYTE)).isEqualTo(2);
		assertThat(relation.indexOf("missing")).isEqualTo(-1);
	}

	@Test
	void decodesRelationInPgCatalogWithEmptyNamespaceAndNoColumns() {
		ByteBuffer buffer = new Wire().tag('R').int32(1259).string("").string("pg_class").int8('n').int16(0).toBuffer();
		Relation relation = (Relation) this.decoder.decode(buffer);
		assertThat(relation.namespace()).isEmpty();
		assertThat(relation.name()).isEqualTo("pg_class");
		assertThat(relation.columns()).isEmpty();
	}

	@Test
	void decodesInsertWithTextNullAndUnchangedColumns() {
		Insert insert = (Insert) this.decoder.decode(insertMessage().toBuffer());
		assertInsertMessage(insert);
	}

	@Test
	void decodesInsertWhoseColumnsAreAllText() {
		ByteBuffer buffer = new Wire().tag('I')
			.int32(42)
			.tag('N')
			.int16(2)
			.tag('t')
			.text("a")
			.tag('t')
			.text("b")
			.toBuffer();
		Insert insert = (Insert) this.decoder.decode(buffer);
		assertThat(insert.tuple().size()).isEqualTo(2);
		assertThat(insert.tuple().value(1)).isEqualTo("b");
		assertThat(insert.tuple().isUnchanged(0)).isFalse();
		assertThat(insert.tuple().isUnchanged(1)).isFalse();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("skippedMessages")
	void skipsMessageTypesTheOutboxDoesNotActOn(char tag, Wire message) {
		assertThat(this.decoder.decode(message.toBuffer())).isEqualTo(new Skipped(tag));
	}

	static Stream<Arguments> skippedMessages() {
		return Stream.of(Arguments.of('O', new Wire().tag('O').int64(0x99).string("origin_a")),
				Arguments.of('Y', new Wire().tag('Y').int32(16_400).string("public").string("mood")),
				Arguments.of('U', new Wire().tag('U').int32(42).tag('N').int16(1).tag('t').text("x")),
				Arguments.of('D', new Wire().tag('D').int32(42).tag('K').int16(1).tag('t').text("x")),
				Arguments.of('T', new Wire().tag('T').int32(1).int8(0).int32(42)));
	}

	@Test
	void decodesTransactionalLogicalMessageWithLsnPrefixAndContent() {
		ByteBuffer buffer = new Wire().tag('M')
			.int8(1)
			.int64(0x16_B374_D848L)
			.string("outbox:" + MULTIBYTE)
			.int32(4)
			.bytes(0, 0xFF, 7, 1)
			.toBuffer();
		LogicalMessage message = (LogicalMessage) this.decoder.decode(buffer);
		assertThat(message.transactional()).isTrue();
		assertThat(message.lsn()).isEqualTo(Lsn.valueOf("16/B374D848"));
		assertThat(message.prefix()).isEqualTo("outbox:" + MULTIBYTE);
		assertThat(message.content()).containsExactly(0, 0xFF, 7, 1);
		assertThat(message.toString()).endsWith(", 4 bytes]");
	}

	@Test
	void decodesNonTransactionalLogicalMessageWithEmptyContent() {
		LogicalMessage message = (LogicalMessage) this.decoder
			.decode(new Wire().tag('M').int8(0).int64(1).string("p").int32(0).toBuffer());
		assertThat(message.transactional()).isFalse();
		assertThat(message.content()).isEmpty();
	}

	@Test
	void rejectsMalformedLogicalMessages() {
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> this.decoder
				.decode(new Wire().tag('M').int8(1).int64(1).string("p").int32(5).bytes(1, 2).toBuffer()))
			.withMessageContaining("Message")
			.withMessageContaining("5 byte(s) for content");
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(
					() -> this.decoder.decode(new Wire().tag('M').int8(1).int64(1).string("p").int32(-1).toBuffer()))
			.withMessageContaining("negative content length");
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> this.decoder.decode(new Wire().tag('M').int8(1).int64(1).raw("p").toBuffer()))
			.withMessageContaining("NUL-terminated prefix");
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> this.decoder.decode(new Wire().tag('M').int8(2).int64(1).string("p").int32(0).toBuffer()))
			.withMessageContaining("unknown flags");
	}

	@Test
	void rejectsUnknownTagNamingItsCharacterAndByteValue() {
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> this.decoder.decode(new Wire().tag('Z').int32(1).toBuffer()))
			.withMessageContaining("'Z'")
			.withMessageContaining("0x5A");
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> this.decoder.decode(new Wire().int8(0xF0).toBuffer()))
			.withMessageContaining("0xF0");
	}

	@ParameterizedTest
	@ValueSource(chars = { 'S', 'E', 'c', 'A', 'b', 'P', 'K', 'r', 'p' })
	void rejectsStreamingAndTwoPhaseMessagesTheOutboxNeverRequests(char tag) {
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> this.decoder.decode(new Wire().tag(tag).int64(0).toBuffer()))
			.withMessageContaining("'" + tag + "'")
			.withMessageContaining("never requests");
	}

	@Test
	void rejectsEmptyMessage() {
		assertThatExceptionOfType(PgOutputException.class).isThrownBy(() -> this.decoder.decode(ByteBuffer.allocate(0)))
			.withMessageContaining("tag byte");
	}

	@Test
	void rejectsTruncatedMessagesWithPgOutputExceptionNamingTypeAndExpectedField() {
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> this.decoder.decode(new Wire().tag('B').int64(1).int32(0).toBuffer()))
			.withMessage("Truncated pgoutput Begin message: expected 8 byte(s) for commit timestamp at offset 9"
					+ " but only 4 byte(s) remain");
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> this.decoder.decode(new Wire().tag('C').int8(0).int64(1).toBuffer()))
			.withMessageContaining("Commit")
			.withMessageContaining("end LSN");
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> this.decoder.decode(new Wire().tag('R').int32(1).raw("public").toBuffer()))
			.withMessageContaining("Relation")
			.withMessageContaining("NUL-terminated namespace");
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> this.decoder
				.decode(new Wire().tag('I').int32(42).tag('N').int16(1).tag('t').int32(10).raw("short").toBuffer()))
			.withMessageContaining("Insert")
			.withMessageContaining("10 byte(s) for tuple value");
		assertThatExceptionOfType(PgOutputException.class)
			.isThrownBy(() -> this.decoder.decode(new Wire().tag('I').int32(42).tag('N').int16(2).tag('n').toBuffer()))
			.withMessageContaining("tuple value kind");
	}

	@Test
	void rejectsBinaryTupleValueBecauseTheOutboxRequestsText() {
		ByteBuffer buffer = new Wire().tag('I')
			.int32(42)
			.tag('N')
			.int16(2)
			.tag('t')
			.text("a")
			.tag('b')
			.int32(4)
			.int32(7)
			.toBuffer();
		assertThatExceptionOfType(PgOutputException.class).isThrownBy(() -> this.decoder.decode(buffer))
			.withMessageContaining("column 1")
			.withMessageContaining("binary")
			.withMessageContaining("text");
	}

	@Test
	void rejectsInsertWithoutNewTupleMarker() {
		ByteBuffer buffer = new Wire().tag('I').int32(42).tag('K').int16(0).toBuffer();
		assertThatExceptionOfType(PgOutputException.class).isThrownBy(() -> this.decoder.decode(buffer))
			.withMessageContaining("'N'")
			.withMessageContaining("'K'");
	}

	@Test
	void rejectsNegativeTupleValueLength() {
		ByteBuffer buffer = new Wire().tag('I').int32(42).tag('N').int16(1).tag('t').int32(-5).toBuffer();
		assertThatExceptionOfType(PgOutputException.class).isThrownBy(() -> this.decoder.decode(buffer))
			.withMessageContaining("negative value length -5");
	}

	@Test
	void decodesSliceAtNonZeroPositionWithNonZeroArrayOffset() {
		byte[] message = insertMessage().toByteArray();
		byte[] backing = new byte[message.length + 20];
		System.arraycopy(message, 0, backing, 13, message.length);
		ByteBuffer slice = ByteBuffer.wrap(backing, 7, backing.length - 7).slice();
		slice.position(6).limit(6 + message.length);
		assertThat(slice.arrayOffset()).isEqualTo(7);
		assertInsertMessage((Insert) this.decoder.decode(slice));
	}

	@Test
	void decodesReadOnlyBufferWithoutAccessibleArray() {
		ByteBuffer buffer = insertMessage().toBuffer().asReadOnlyBuffer();
		assertThat(buffer.hasArray()).isFalse();
		assertInsertMessage((Insert) this.decoder.decode(buffer));
	}

	@Test
	void decodesDirectBufferAtNonZeroPosition() {
		byte[] message = insertMessage().toByteArray();
		ByteBuffer buffer = ByteBuffer.allocateDirect(message.length + 5);
		buffer.position(5);
		buffer.put(message).position(5);
		assertThat(buffer.hasArray()).isFalse();
		assertInsertMessage((Insert) this.decoder.decode(buffer));
	}

	@Test
	void decodesBigEndianWhateverTheBufferOrderAndLeavesPositionAndLimitUnchanged() {
		ByteBuffer buffer = new Wire().tag('B').int64(0x16_B374_D848L).int64(KNOWN_PG_MICROS).int32(9).toBuffer();
		buffer.order(ByteOrder.LITTLE_ENDIAN);
		Begin begin = (Begin) this.decoder.decode(buffer);
		assertThat(begin.finalLsn()).isEqualTo(Lsn.valueOf("16/B374D848"));
		assertThat(begin.xid()).isEqualTo(9);
		assertThat(buffer.position()).isZero();
		assertThat(buffer.limit()).isEqualTo(21);
	}

	private static Wire insertMessage() {
		return new Wire().tag('I')
			.int32(16_385)
			.tag('N')
			.int16(5)
			.tag('t')
			.text("plain")
			.tag('n')
			.tag('t')
			.text(MULTIBYTE)
			.tag('u')
			.tag('t')
			.text("");
	}

	private static void assertInsertMessage(Insert insert) {
		assertThat(insert.relationOid()).isEqualTo(16_385);
		TupleData tuple = insert.tuple();
		assertThat(tuple.size()).isEqualTo(5);
		assertThat(tuple.value(0)).isEqualTo("plain");
		assertThat(tuple.value(1)).isNull();
		assertThat(tuple.isUnchanged(1)).isFalse();
		assertThat(tuple.value(2)).isEqualTo(MULTIBYTE);
		assertThat(tuple.value(3)).isNull();
		assertThat(tuple.isUnchanged(3)).isTrue();
		assertThat(tuple.value(4)).isEmpty();
		assertThat(tuple.isUnchanged(4)).isFalse();
	}

	/**
	 * Writes pgoutput's wire types by hand: big-endian integers and NUL-terminated UTF-8
	 * strings.
	 */
	static final class Wire {

		private final ByteArrayOutputStream out = new ByteArrayOutputStream();

		Wire tag(char tag) {
			return int8(tag);
		}

		Wire int8(int value) {
			this.out.write(value);
			return this;
		}

		Wire int16(int value) {
			return int8(value >>> 8).int8(value);
		}

		Wire int32(int value) {
			return int16(value >>> 16).int16(value);
		}

		Wire int64(long value) {
			return int32((int) (value >>> 32)).int32((int) value);
		}

		Wire bytes(int... values) {
			for (int value : values) {
				int8(value);
			}
			return this;
		}

		/** Writes the UTF-8 bytes with no terminator or length. */
		Wire raw(String value) {
			this.out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
			return this;
		}

		Wire string(String value) {
			return raw(value).int8(0);
		}

		/** Writes a tuple value's Int32 byte length then its UTF-8 bytes. */
		Wire text(String value) {
			return int32(value.getBytes(StandardCharsets.UTF_8).length).raw(value);
		}

		byte[] toByteArray() {
			return this.out.toByteArray();
		}

		ByteBuffer toBuffer() {
			return ByteBuffer.wrap(toByteArray());
		}

		@Override
		public String toString() {
			return toByteArray().length + " bytes";
		}

	}

}
