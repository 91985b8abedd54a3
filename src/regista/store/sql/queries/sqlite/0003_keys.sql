-- Regista schema 3 (SQLite): keys as Camunda 8 clients read them. Ids are numbers taken in
-- blocks from a counter that only grows (one row), so that every node and every restart
-- gets ids never given before; the lists of the API are paged by start time and id.

CREATE TABLE id_blocks (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    next  INTEGER NOT NULL
);
INSERT INTO id_blocks (id, next) VALUES (1, 1);

CREATE INDEX instances_started ON instances (started_at, id);
CREATE INDEX instances_process_started ON instances (process_id, started_at, id);
CREATE INDEX incidents_created ON incidents (created_at, id);

-- messageId of published messages, refused again while the first one lives (its TTL)
CREATE TABLE message_ids (
    name             TEXT NOT NULL,
    correlation_key  TEXT NOT NULL,
    message_id       TEXT NOT NULL,
    message_key      TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    PRIMARY KEY (name, correlation_key, message_id)
);
CREATE INDEX message_ids_expiry ON message_ids (expires_at);
