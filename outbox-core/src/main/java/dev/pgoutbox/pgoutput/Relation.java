package dev.pgoutbox.pgoutput;

import java.util.List;

/**
 * The shape of a table, sent before the first change to it in a session and again after
 * its definition changes.
 *
 * @param oid the table's OID, which later {@link Insert} messages refer to
 * @param namespace the schema name, empty for {@code pg_catalog}
 * @param name the table name
 * @param columns the published columns, in the order tuple values arrive
 */
public record Relation(int oid, String namespace, String name, List<Column> columns) implements PgOutputMessage {

	public Relation {
		columns = List.copyOf(columns);
	}

	/**
	 * Returns the index of the column with the given name, or {@code -1}.
	 * @param columnName the exact (case-sensitive) column name
	 * @return the index into {@link #columns()} and into tuple data, or {@code -1}
	 */
	public int indexOf(String columnName) {
		for (int i = 0; i < this.columns.size(); i++) {
			if (this.columns.get(i).name().equals(columnName)) {
				return i;
			}
		}
		return -1;
	}

	/**
	 * One column of a {@link Relation}.
	 *
	 * @param name the column name
	 * @param typeOid the OID of the column's data type
	 * @param typeModifier the type modifier ({@code atttypmod}), {@code -1} if none
	 * @param partOfKey whether the column is part of the table's replica identity key
	 */
	public record Column(String name, int typeOid, int typeModifier, boolean partOfKey) {

	}

}
