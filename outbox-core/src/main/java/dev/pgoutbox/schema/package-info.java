/**
 * The outbox's tables and publication: validated names, DDL, and the JDBC insert.
 *
 * <p>
 * Internal: not an API, and it may change without notice. Its types are public because
 * the Spring glue builds the names and writes the rows with them, and the other engine
 * packages put the names into their SQL.
 */
package dev.pgoutbox.schema;
