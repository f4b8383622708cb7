-- The clinic's own data. The outbox tables are created by the outbox starter
-- (outbox.schema-initialization=always).
CREATE TABLE treatment (
    id          uuid PRIMARY KEY,
    version     bigint      NOT NULL,
    patient_id  text        NOT NULL,
    medicine    text        NOT NULL,
    dosage      text        NOT NULL,
    status      text        NOT NULL CHECK (status IN ('ACTIVE', 'FINISHED')),
    assigned_at timestamptz NOT NULL,
    finished_at timestamptz
);

CREATE INDEX treatment_patient_idx ON treatment (patient_id, assigned_at);

-- What the Kafka listener received; in a real system this table belongs to the consuming
-- service. The primary key on the outbox message id makes redeliveries no-ops.
CREATE TABLE received_event (
    message_id      uuid PRIMARY KEY,
    seq             bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    patient_id      text        NOT NULL,
    type            text        NOT NULL,
    payload         text        NOT NULL,
    topic           text        NOT NULL,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    committed_at    timestamptz NOT NULL,
    received_at     timestamptz NOT NULL
);

CREATE INDEX received_event_patient_idx ON received_event (patient_id, seq);
