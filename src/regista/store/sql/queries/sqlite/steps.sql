-- The steps of process intelligence (schema 15), kept as the history is appended
-- (store/sql/steprows.py folds a unit of work's events per element instance). SQLite binds
-- one tuple per step (executemany), positional.

-- name: steps_insert
-- (?1 instance, ?2 element instance, ?3 element, ?4 type, ?5 flow, ?6 ord, ?7 scheduled,
-- ?8 started, ?9 ended, ?10 state, ?11 worker, ?12 resource, ?13 error code); the instance
-- gives the definition and the case's start (its seconds read without the fraction, which
-- SQLite would round to the millisecond: insight/database.py's `epoch`), the steps before
-- it the repeat ordinal
INSERT INTO steps (instance_id, element_instance_id, definition_id, process_id, version,
    case_start, element_id, element_type, flow, ord, rep, scheduled, started, ended, state,
    worker, resource, error_code)
SELECT ?1, ?2, i.definition_id, d.process_id, d.version,
    CAST(strftime('%s', substr(i.started_at, 1, 19)) AS REAL)
        + CAST(substr(i.started_at, 21, 6) AS REAL) / 1000000.0,
    ?3, ?4, ?5, ?6,
    1 + (SELECT COUNT(*) FROM steps s WHERE s.instance_id = ?1 AND s.element_id = ?3),
    ?7, ?8, ?9, ?10, ?11, ?12, ?13
FROM instances i JOIN definitions d ON d.id = i.definition_id
WHERE i.id = ?1;

-- name: steps_update
-- (?1 instance, ?2 element instance, ?3 started, ?4 worker, ?5 ended, ?6 state,
-- ?7 resource, ?8 error code, ?9 element): the first start stays, the last end wins; the
-- element finds the row through steps_element
UPDATE steps SET
    started = COALESCE(started, ?3),
    worker = CASE WHEN started IS NULL AND ?3 IS NOT NULL THEN ?4 ELSE worker END,
    ended = COALESCE(?5, ended),
    state = COALESCE(?6, state),
    resource = CASE WHEN ?5 IS NOT NULL THEN ?7 ELSE resource END,
    error_code = COALESCE(?8, error_code)
WHERE instance_id = ?1 AND element_id = ?9 AND element_instance_id = ?2;

-- name: steps_redefine
-- an instance migrated to another definition: its steps follow it
UPDATE steps SET definition_id = :definition_id, process_id = :process_id,
    version = (SELECT version FROM definitions WHERE id = :definition_id)
WHERE instance_id = :id;
