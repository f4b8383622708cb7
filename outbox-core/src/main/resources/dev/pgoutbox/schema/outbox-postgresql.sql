-- Outbox schema for PostgreSQL 10 or later.
-- ${schema}, ${table} and ${publication} are replaced by the configured names, quoted;
-- ${slots_table}, ${dead_letters_table} and ${instances_table} by the table's name plus "_slots",
-- "_dead_letters" and "_instances". With several partitions there is one publication per partition,
-- named ${publication} plus "_" and the partition, each with the row filter
-- WHERE (partition_key = '<partition>') on PostgreSQL 15 and later.
-- To manage it with Flyway or Liquibase, copy this file into a migration with the names filled in,
-- and set outbox.initialize-schema=never.

-- Messages waiting to be delivered. Delivered rows are deleted by the relay.
CREATE TABLE IF NOT EXISTS ${schema}.${table} (
    id          uuid        NOT NULL PRIMARY KEY,           -- stable message id, given at publish
    seq         bigint      GENERATED ALWAYS AS IDENTITY,   -- write order, for reading a backlog from the table
    type        text        NOT NULL,
    msg_key     text        NOT NULL,
    payload     json        NOT NULL,
    headers     jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    partition_key text      NOT NULL DEFAULT 'default'      -- which partition's slot relays it
);

-- Tables created before partitions existed gain the column; every old row is in 'default'.
ALTER TABLE ${schema}.${table} ADD COLUMN IF NOT EXISTS partition_key text NOT NULL DEFAULT 'default';

-- Set only on a replayed dead letter: the handlers (comma-separated) that parked it, the only
-- ones it goes to again. NULL, as written by publish, means every handler that takes its type.
ALTER TABLE ${schema}.${table} ADD COLUMN IF NOT EXISTS handlers text;

-- One row per replication slot reading the outbox: whether its first read of the table,
-- from the snapshot exported when the slot was created, is still to finish.
CREATE TABLE IF NOT EXISTS ${schema}.${slots_table} (
    slot_name        text        NOT NULL PRIMARY KEY,
    backfill_pending boolean     NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    confirmed_lsn    pg_lsn                                  -- where the relay confirmed delivery up to
);

-- Before PostgreSQL 17 a clean server shutdown does not save a slot's confirmed position;
-- the relay keeps its own here and streams from the later of the two.
ALTER TABLE ${schema}.${slots_table} ADD COLUMN IF NOT EXISTS confirmed_lsn pg_lsn;

-- Messages that failed their last delivery attempt, kept until an operator replays or deletes
-- them. The relay inserts a row here before it counts the message as done.
CREATE TABLE IF NOT EXISTS ${schema}.${dead_letters_table} (
    id           uuid        NOT NULL,                      -- the message's stable id, kept on replay
    type         text        NOT NULL,
    msg_key      text        NOT NULL,
    payload      json        NOT NULL,
    headers      jsonb,
    committed_at timestamptz NOT NULL,                      -- commit time of the transaction that wrote it
    lsn          text        NOT NULL,                      -- WAL position it was read at, such as 16/B374D848
    attempts     integer     NOT NULL,
    last_error   text,                                      -- class and message of the last failure, never the payload
    parked_at    timestamptz NOT NULL DEFAULT now(),
    partition_key text      NOT NULL DEFAULT 'default',     -- the partition a replay writes it back to
    handler      text        NOT NULL DEFAULT '',           -- the handler that parked it
    PRIMARY KEY (id, handler)
);

ALTER TABLE ${schema}.${dead_letters_table} ADD COLUMN IF NOT EXISTS partition_key text NOT NULL DEFAULT 'default';

-- The handler that parked it: with several handlers one message may be parked by each.
ALTER TABLE ${schema}.${dead_letters_table} ADD COLUMN IF NOT EXISTS handler text NOT NULL DEFAULT '';

-- Tables from before handlers had the key (id) alone; initialize-schema=always changes it to
-- (id, handler). With a migration tool, add:
--   ALTER TABLE ${schema}.${dead_letters_table} DROP CONSTRAINT <its primary key>, ADD PRIMARY KEY (id, handler);

-- One row per live application instance, for spreading partitions over instances.
CREATE TABLE IF NOT EXISTS ${schema}.${instances_table} (
    instance_id  text        NOT NULL PRIMARY KEY,
    partitions   text        NOT NULL,                      -- the partitions it may serve, comma-separated
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz NOT NULL DEFAULT now(),
    serving      text        NOT NULL DEFAULT ''            -- the partitions it serves now, so that they stay put
);

ALTER TABLE ${schema}.${instances_table} ADD COLUMN IF NOT EXISTS serving text NOT NULL DEFAULT '';

-- The relay reads inserts only: its own deletes of delivered rows are not replicated.
CREATE PUBLICATION ${publication} FOR TABLE ${schema}.${table} WITH (publish = 'insert');
