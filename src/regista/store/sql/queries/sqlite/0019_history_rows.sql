-- Regista schema 19 (SQLite): one history row per command.
-- The events one unit of work appends with the same time, actor and command share a row:
-- what they share (instance, time, actor, command, hash) is kept once, the events as one
-- JSON array of [kind, element_id, element_instance_id, data], `seq` is the last one's and
-- the hash chain links rows (store/chain.py). The rows written before become rows of one
-- event, whose hash is the event's as before; their ids stay the row ids (the events of row
-- `id` are numbered id * 4096 + i, see the view). The view history_events reads the rows
-- as events for the queries that look at events (statistics, process intelligence); the
-- index on (instance_id, kind, element_id) goes: those queries find an instance's rows by
-- the (instance_id, seq) key.

ALTER TABLE history RENAME TO history_18;

CREATE TABLE history (
    id                   INTEGER PRIMARY KEY,
    instance_id          TEXT NOT NULL,
    seq                  INTEGER NOT NULL,
    ts                   TEXT NOT NULL,
    actor                TEXT,
    command              TEXT,
    events               TEXT NOT NULL,
    hash                 TEXT NOT NULL,
    UNIQUE (instance_id, seq)
);

INSERT INTO history (id, instance_id, seq, ts, actor, command, events, hash)
SELECT id, instance_id, seq, ts, actor, command,
    json_array(json_array(kind, element_id, element_instance_id, json(data))), hash
FROM history_18
ORDER BY id;

DROP TABLE history_18;

CREATE VIEW history_events AS
SELECT h.id * 4096 + e.key AS id, h.instance_id,
    h.seq - json_array_length(h.events) + 1 + e.key AS seq, h.ts, e.value ->> 0 AS kind,
    e.value ->> 1 AS element_id, e.value ->> 2 AS element_instance_id, h.actor, h.command,
    e.value -> 3 AS data, h.hash
FROM history AS h, json_each(h.events) AS e;
