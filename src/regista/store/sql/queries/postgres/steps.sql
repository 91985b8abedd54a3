-- The steps of process intelligence (schema 15), kept as the history is appended
-- (store/sql/steprows.py folds a unit of work's events per element instance). PostgreSQL
-- gets the steps of a unit of work as one JSON array of arrays per statement.

-- name: steps_insert_rows
-- rows: [element instance, element, type, flow, ord, scheduled, started, ended, state,
-- worker, resource, error code]; the instance gives the definition and the case's start,
-- the steps before (and before it in the array) the repeat ordinal
INSERT INTO steps (instance_id, element_instance_id, definition_id, process_id, version,
    case_start, element_id, element_type, flow, ord, rep, scheduled, started, ended, state,
    worker, resource, error_code)
SELECT i.id, e ->> 0, i.definition_id, d.process_id, d.version,
    EXTRACT(EPOCH FROM i.started_at)::double precision,
    e ->> 1, e ->> 2, e ->> 3, (e ->> 4)::integer,
    ROW_NUMBER() OVER (PARTITION BY e ->> 1 ORDER BY n)
        + (SELECT COUNT(*) FROM steps s WHERE s.instance_id = i.id AND s.element_id = e ->> 1),
    (e ->> 5)::double precision, (e ->> 6)::double precision, (e ->> 7)::double precision,
    e ->> 8, e ->> 9, e ->> 10, e ->> 11
FROM jsonb_array_elements(CAST(:rows AS jsonb)) WITH ORDINALITY AS r (e, n)
JOIN instances i ON i.id = CAST(:instance_id AS text)
JOIN definitions d ON d.id = i.definition_id;

-- name: steps_update_rows
-- rows: [element instance, started, worker, ended, state, resource, error code]: the first
-- start stays, the last end wins
UPDATE steps s SET
    started = COALESCE(s.started, (e ->> 1)::double precision),
    worker = CASE WHEN s.started IS NULL AND e ->> 1 IS NOT NULL THEN e ->> 2 ELSE s.worker END,
    ended = COALESCE((e ->> 3)::double precision, s.ended),
    state = COALESCE(e ->> 4, s.state),
    resource = CASE WHEN e ->> 3 IS NOT NULL THEN e ->> 5 ELSE s.resource END,
    error_code = COALESCE(e ->> 6, s.error_code)
FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS r (e)
WHERE s.instance_id = CAST(:instance_id AS text) AND s.element_instance_id = e ->> 0;

-- name: steps_redefine
-- an instance migrated to another definition: its steps follow it
UPDATE steps SET definition_id = :definition_id, process_id = :process_id,
    version = (SELECT version FROM definitions WHERE id = :definition_id)
WHERE instance_id = :id;
