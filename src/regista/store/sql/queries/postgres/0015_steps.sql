-- Regista schema 15 (PostgreSQL): the steps of process intelligence, one row per element
-- instance, kept with the history and filled here from the history written before.

-- one row per element instance, kept by the code that appends the history (store/sql/
-- steprows.py) in the same transaction: what process intelligence reads instead of the
-- events. Times are epoch seconds; `started` is NULL until a worker locked the job or a
-- person claimed the task; `rep` is the element's n-th execution in its instance. Ids
-- compare byte by byte ("C"): analyses group and sort by them, and ids have no language.
CREATE TABLE steps (
    instance_id          text COLLATE "C" NOT NULL,
    element_instance_id  text COLLATE "C" NOT NULL,
    definition_id        text COLLATE "C" NOT NULL,
    process_id           text COLLATE "C" NOT NULL,
    version              integer NOT NULL,
    case_start           double precision NOT NULL,
    element_id           text COLLATE "C" NOT NULL,
    element_type         text,
    flow                 text,
    ord                  integer NOT NULL,
    rep                  integer NOT NULL,
    scheduled            double precision NOT NULL,
    started              double precision,
    ended                double precision,
    state                text NOT NULL,
    worker               text,
    resource             text,
    error_code           text,
    PRIMARY KEY (instance_id, element_instance_id)
);
CREATE INDEX steps_element ON steps (instance_id, element_id);
CREATE INDEX steps_process ON steps (process_id, case_start);

-- the steps of the history written before: each element instance's events folded into
-- its row, as the appending code does for new events
INSERT INTO steps (instance_id, element_instance_id, definition_id, process_id, version,
    case_start, element_id, element_type, flow, ord, rep, scheduled, started, ended, state,
    worker, resource, error_code)
SELECT f.instance_id, f.element_instance_id, i.definition_id, d.process_id, d.version,
    EXTRACT(EPOCH FROM i.started_at)::double precision,
    f.element_id, f.element_type, f.flow, f.ord,
    ROW_NUMBER() OVER (PARTITION BY f.instance_id, f.element_id ORDER BY f.ord),
    EXTRACT(EPOCH FROM f.scheduled)::double precision,
    EXTRACT(EPOCH FROM f.started)::double precision,
    EXTRACT(EPOCH FROM f.ended)::double precision,
    COALESCE(f.state, 'active'), f.worker, f.resource, f.error_code
FROM (
    SELECT h.instance_id, h.element_instance_id,
        MIN(h.element_id) FILTER (WHERE h.kind = 'element_activated') AS element_id,
        MAX(h.data ->> 'type') FILTER (WHERE h.kind = 'element_activated') AS element_type,
        MAX(h.data ->> 'flow') FILTER (WHERE h.kind = 'element_activated') AS flow,
        MIN(h.seq) FILTER (WHERE h.kind = 'element_activated') AS ord,
        MIN(h.ts) FILTER (WHERE h.kind = 'element_activated') AS scheduled,
        MIN(h.ts) FILTER (WHERE h.kind IN ('job_locked', 'user_task_claimed',
                                           'user_task_assigned')) AS started,
        MAX(h.ts) FILTER (WHERE h.kind IN ('element_completed', 'element_terminated'))
            AS ended,
        MAX(CASE WHEN h.kind = 'element_completed' THEN 'completed'
            WHEN h.kind = 'element_terminated' THEN 'terminated' END) AS state,
        (array_agg(h.actor ORDER BY h.seq) FILTER (WHERE h.actor IS NOT NULL AND h.kind IN
            ('job_locked', 'user_task_claimed', 'user_task_assigned')))[1] AS worker,
        (array_agg(h.actor ORDER BY h.seq DESC) FILTER (WHERE h.actor IS NOT NULL AND h.kind IN
            ('element_completed', 'element_terminated')))[1] AS resource,
        MAX(COALESCE(h.data ->> 'error_code', ''))
            FILTER (WHERE h.kind = 'job_completed' AND h.command = 'ThrowError') AS error_code
    FROM history h
    WHERE h.element_instance_id IS NOT NULL
      AND h.kind IN ('element_activated', 'element_completed', 'element_terminated',
                     'job_locked', 'user_task_claimed', 'user_task_assigned', 'job_completed')
    GROUP BY h.instance_id, h.element_instance_id
) AS f
JOIN instances i ON i.id = f.instance_id
JOIN definitions d ON d.id = i.definition_id
WHERE f.ord IS NOT NULL;
