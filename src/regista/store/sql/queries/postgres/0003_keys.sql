-- Regista schema 3 (PostgreSQL): keys as Camunda 8 clients read them. Ids are numbers taken
-- in blocks from a sequence (never rolled back, shared by every node), so that every node
-- and every restart gets ids never given before; the lists of the API are paged by start
-- time and id.

CREATE SEQUENCE id_blocks START 1;

CREATE INDEX instances_started ON instances (started_at, id);
CREATE INDEX instances_process_started ON instances (process_id, started_at, id);
CREATE INDEX incidents_created ON incidents (created_at, id);

-- messageId of published messages, refused again while the first one lives (its TTL)
CREATE TABLE message_ids (
    name             text NOT NULL,
    correlation_key  text NOT NULL,
    message_id       text NOT NULL,
    message_key      text NOT NULL,
    expires_at       timestamptz NOT NULL,
    PRIMARY KEY (name, correlation_key, message_id)
);
CREATE INDEX message_ids_expiry ON message_ids (expires_at);
