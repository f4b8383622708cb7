package dev.pgoutbox.pgoutput;

/**
 * A row inserted into a published table.
 *
 * @param relationOid the OID of the table, as announced by an earlier {@link Relation}
 * @param tuple the new row's column values
 */
public record Insert(int relationOid, TupleData tuple) implements PgOutputMessage {

}
