package dev.pgoutbox.schema;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class OutboxSchemaTests {

	private static OutboxSchema schema(String schema, String table, String publication) {
		return new OutboxSchema(
				new OutboxTable(SqlIdentifier.of(schema, "outbox.schema"), SqlIdentifier.of(table, "outbox.table")),
				SqlIdentifier.of(publication, "outbox.publication"));
	}

	@Test
	void createsTheTablesThenThePublication() {
		List<String> statements = schema("app", "events", "pub").statements();
		assertThat(statements).hasSize(11);
		assertThat(statements.get(0)).startsWith("CREATE TABLE IF NOT EXISTS \"app\".\"events\" (");
		assertThat(statements.get(1))
			.startsWith("ALTER TABLE \"app\".\"events\" ADD COLUMN IF NOT EXISTS partition_key");
		assertThat(statements.get(2)).startsWith("ALTER TABLE \"app\".\"events\" ADD COLUMN IF NOT EXISTS handlers");
		assertThat(statements.get(3)).startsWith("CREATE TABLE IF NOT EXISTS \"app\".\"events_slots\" (");
		assertThat(statements.get(4))
			.startsWith("ALTER TABLE \"app\".\"events_slots\" ADD COLUMN IF NOT EXISTS confirmed_lsn pg_lsn");
		assertThat(statements.get(5)).startsWith("CREATE TABLE IF NOT EXISTS \"app\".\"events_dead_letters\" (")
			.contains("PRIMARY KEY (id, handler)");
		assertThat(statements.get(6))
			.startsWith("ALTER TABLE \"app\".\"events_dead_letters\" ADD COLUMN IF NOT EXISTS partition_key");
		assertThat(statements.get(7))
			.startsWith("ALTER TABLE \"app\".\"events_dead_letters\" ADD COLUMN IF NOT EXISTS handler");
		assertThat(statements.get(8)).startsWith("CREATE TABLE IF NOT EXISTS \"app\".\"events_instances\" (");
		assertThat(statements.get(9))
			.startsWith("ALTER TABLE \"app\".\"events_instances\" ADD COLUMN IF NOT EXISTS serving");
		assertThat(statements.get(10)).startsWith("CREATE PUBLICATION \"pub\" ");
	}

	@Test
	void publicationPublishesInsertsOfTheOutboxTableOnly() {
		List<String> statements = schema("app", "events", "pub").statements();
		assertThat(statements.get(statements.size() - 1))
			.isEqualTo("CREATE PUBLICATION \"pub\" FOR TABLE \"app\".\"events\" WITH (publish = 'insert')");
	}

	@Test
	void outboxTableHasTheColumnsTheWriterInserts() {
		String createTable = schema("app", "events", "pub").statements().get(0);
		// OutboxWriter inserts (id, type, msg_key, payload, headers)
		assertThat(createTable).containsPattern("\\bid\\s+uuid\\b")
			.containsPattern("\\btype\\s+text\\b")
			.containsPattern("\\bmsg_key\\s+text\\b")
			.containsPattern("\\bpayload\\s+json\\b")
			.containsPattern("\\bheaders\\s+jsonb\\b");
	}

	@Test
	void leavesNoPlaceholdersCommentsOrSemicolons() {
		List<String> statements = schema("app", "events", "pub").statements();
		assertThat(statements).allSatisfy((statement) -> {
			assertThat(statement).doesNotContain("${").doesNotContain("--").doesNotContain(";");
			assertThat(statement).isEqualTo(statement.strip());
		});
	}

	@Test
	void alwaysPutsTheConfiguredNamesInQuoted() {
		List<String> statements = schema("tenant_a", "evt_log", "evt_pub").statements();
		assertThat(String.join("\n", statements)).contains("\"tenant_a\".\"evt_log\"")
			.contains("\"tenant_a\".\"evt_log_slots\"")
			.contains("\"evt_pub\"");
		for (String statement : statements) {
			String withoutQuotedNames = statement.replace("\"tenant_a\"", "")
				.replace("\"evt_log_slots\"", "")
				.replace("\"evt_log_dead_letters\"", "")
				.replace("\"evt_log_instances\"", "")
				.replace("\"evt_log\"", "")
				.replace("\"evt_pub\"", "");
			assertThat(withoutQuotedNames).doesNotContain("tenant_a")
				.doesNotContain("evt_log")
				.doesNotContain("evt_pub");
		}
	}

	@Test
	void cannotBeGivenANameThatBreaksOutOfItsQuotes() {
		assertThatIllegalArgumentException().isThrownBy(() -> schema("app", "events\"; drop table users; --", "pub"))
			.withMessageContaining("outbox.table");
		assertThatIllegalArgumentException().isThrownBy(() -> schema("app\" cascade; --", "events", "pub"))
			.withMessageContaining("outbox.schema");
		assertThatIllegalArgumentException().isThrownBy(() -> schema("app", "events", "pub; drop table users"))
			.withMessageContaining("outbox.publication");
	}

	@Test
	void rejectsATableNameWithNoRoomForTheSlotStateSuffix() {
		SqlIdentifier schema = SqlIdentifier.of("app", "outbox.schema");
		assertThat(new OutboxTable(schema, SqlIdentifier.of("e".repeat(57), "outbox.table")).qualifiedSlotState())
			.isEqualTo("\"app\".\"" + "e".repeat(57) + "_slots\"");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new OutboxTable(schema, SqlIdentifier.of("e".repeat(58), "outbox.table")))
			.withMessageContaining("outbox.table");
	}

	@Test
	void rejectsMissingTableOrPublication() {
		OutboxTable table = new OutboxTable(SqlIdentifier.of("app", "x"), SqlIdentifier.of("events", "x"));
		assertThatIllegalArgumentException().isThrownBy(() -> new OutboxSchema(null, SqlIdentifier.of("pub", "x")))
			.withMessageContaining("'table'");
		assertThatIllegalArgumentException().isThrownBy(() -> new OutboxSchema(table, (SqlIdentifier) null))
			.withMessageContaining("'publication'");
	}

}
