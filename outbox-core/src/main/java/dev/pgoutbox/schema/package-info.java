/**
 * The outbox's tables and publication: validated names, DDL, and the JDBC insert.
 */
package dev.pgoutbox.schema;
