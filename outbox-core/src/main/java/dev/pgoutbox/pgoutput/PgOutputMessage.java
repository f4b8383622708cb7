package dev.pgoutbox.pgoutput;

/**
 * One decoded {@code pgoutput} message, as returned by {@link PgOutputDecoder}.
 */
public sealed interface PgOutputMessage permits Begin, Commit, Relation, Insert, LogicalMessage, Skipped {

}
