-- Outbox schema for PostgreSQL 10 or later.
-- ${schema}, ${table} and ${publication} are replaced by the configured names, quoted.
-- To manage it with Flyway or Liquibase, copy this file into a migration with the names filled in,
-- and set outbox.schema-initialization=never.

-- Messages waiting to be delivered. Delivered rows are deleted by the relay.
CREATE TABLE IF NOT EXISTS ${schema}.${table} (
    id          uuid        NOT NULL PRIMARY KEY,           -- stable message id, given at publish
    seq         bigint      GENERATED ALWAYS AS IDENTITY,   -- write order, for reading a backlog from the table
    type        text        NOT NULL,
    msg_key     text        NOT NULL,
    payload     json        NOT NULL,
    headers     jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per replication slot reading the outbox: whether its first read of the table,
-- from the snapshot exported when the slot was created, is still to finish.
CREATE TABLE IF NOT EXISTS ${schema}.${slots_table} (
    slot_name        text        NOT NULL PRIMARY KEY,
    backfill_pending boolean     NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- The relay reads inserts only: its own deletes of delivered rows are not replicated.
CREATE PUBLICATION ${publication} FOR TABLE ${schema}.${table} WITH (publish = 'insert');
