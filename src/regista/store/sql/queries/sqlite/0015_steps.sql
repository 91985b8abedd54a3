-- Regista schema 15 (SQLite): the steps of process intelligence, one row per element
-- instance, kept with the history and filled here from the history written before.

-- one row per element instance, kept by the code that appends the history (store/sql/
-- steprows.py) in the same transaction: what process intelligence reads instead of the
-- events. Times are epoch seconds; `started` is NULL until a worker locked the job or a
-- person claimed the task; `rep` is the element's n-th execution in its instance. Rows are
-- kept in the order of process, start of their case, case and place in it, so that an
-- analysis of one process (and a window of time) reads one range of the table, each case
-- in the order of its path, and its windows over the cases need no sort.
CREATE TABLE steps (
    instance_id          TEXT NOT NULL,
    element_instance_id  TEXT NOT NULL,
    definition_id        TEXT NOT NULL,
    process_id           TEXT NOT NULL,
    version              INTEGER NOT NULL,
    case_start           REAL NOT NULL,
    element_id           TEXT NOT NULL,
    element_type         TEXT,
    flow                 TEXT,
    ord                  INTEGER NOT NULL,
    rep                  INTEGER NOT NULL,
    scheduled            REAL NOT NULL,
    started              REAL,
    ended                REAL,
    state                TEXT NOT NULL,
    worker               TEXT,
    resource             TEXT,
    error_code           TEXT,
    PRIMARY KEY (process_id, case_start, instance_id, ord)
) WITHOUT ROWID;
CREATE INDEX steps_element ON steps (instance_id, element_id);

-- the steps of the history written before: each element instance's events folded into
-- its row, as the appending code does for new events
INSERT INTO steps (instance_id, element_instance_id, definition_id, process_id, version,
    case_start, element_id, element_type, flow, ord, rep, scheduled, started, ended, state,
    worker, resource, error_code)
SELECT f.instance_id, f.element_instance_id, i.definition_id, d.process_id, d.version,
    CAST(strftime('%s', i.started_at) AS REAL)
        + CAST(substr(i.started_at, 21, 6) AS REAL) / 1000000.0,
    f.element_id, f.element_type, f.flow, f.ord,
    ROW_NUMBER() OVER (PARTITION BY f.instance_id, f.element_id ORDER BY f.ord),
    CAST(strftime('%s', f.scheduled) AS REAL) + CAST(substr(f.scheduled, 21, 6) AS REAL) / 1000000.0,
    CAST(strftime('%s', f.started) AS REAL) + CAST(substr(f.started, 21, 6) AS REAL) / 1000000.0,
    CAST(strftime('%s', f.ended) AS REAL) + CAST(substr(f.ended, 21, 6) AS REAL) / 1000000.0,
    COALESCE(f.state, 'active'), substr(f.worker, 11), substr(f.resource, 11), f.error_code
FROM (
    SELECT h.instance_id, h.element_instance_id,
        MIN(CASE WHEN h.kind = 'element_activated' THEN h.element_id END) AS element_id,
        MAX(CASE WHEN h.kind = 'element_activated' THEN json_extract(h.data, '$.type') END)
            AS element_type,
        MAX(CASE WHEN h.kind = 'element_activated' THEN json_extract(h.data, '$.flow') END)
            AS flow,
        MIN(CASE WHEN h.kind = 'element_activated' THEN h.seq END) AS ord,
        MIN(CASE WHEN h.kind = 'element_activated' THEN h.ts END) AS scheduled,
        MIN(CASE WHEN h.kind IN ('job_locked', 'user_task_claimed', 'user_task_assigned')
            THEN h.ts END) AS started,
        MAX(CASE WHEN h.kind IN ('element_completed', 'element_terminated') THEN h.ts END)
            AS ended,
        MAX(CASE WHEN h.kind = 'element_completed' THEN 'completed'
            WHEN h.kind = 'element_terminated' THEN 'terminated' END) AS state,
        -- the actor of the first start and of the last end (the seq, 10 digits, orders)
        MIN(CASE WHEN h.kind IN ('job_locked', 'user_task_claimed', 'user_task_assigned')
            AND h.actor IS NOT NULL THEN printf('%010d', h.seq) || h.actor END) AS worker,
        MAX(CASE WHEN h.kind IN ('element_completed', 'element_terminated')
            AND h.actor IS NOT NULL THEN printf('%010d', h.seq) || h.actor END) AS resource,
        MAX(CASE WHEN h.kind = 'job_completed' AND h.command = 'ThrowError'
            THEN COALESCE(json_extract(h.data, '$.error_code'), '') END) AS error_code
    FROM history h
    WHERE h.element_instance_id IS NOT NULL
      AND h.kind IN ('element_activated', 'element_completed', 'element_terminated',
                     'job_locked', 'user_task_claimed', 'user_task_assigned', 'job_completed')
    GROUP BY h.instance_id, h.element_instance_id
) AS f
JOIN instances i ON i.id = f.instance_id
JOIN definitions d ON d.id = i.definition_id
WHERE f.ord IS NOT NULL;
