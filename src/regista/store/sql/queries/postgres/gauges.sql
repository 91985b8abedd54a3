-- The counts `Store.gauges` reads when metrics are scraped: grouped counts over the rows of
-- running work (never the history), each served by an index on status.

-- name: gauges_instances
SELECT process_id, status, COUNT(*) AS n
FROM instances
WHERE status IN ('active', 'incident')
GROUP BY process_id, status;

-- Tokens waiting at an element: on a job (not the runtime's own outbox jobs), a user task,
-- a timer, a subscription, or stopped by an incident.
-- name: gauges_tokens
SELECT i.process_id, w.element_id, COUNT(*) AS n
FROM (
    SELECT instance_id, element_id FROM jobs
    WHERE status IN ('ready', 'claimed') AND type NOT LIKE 'regista:%'
    UNION ALL
    SELECT instance_id, element_id FROM user_tasks WHERE status = 'open'
    UNION ALL
    SELECT instance_id, element_id FROM timers WHERE instance_id <> ''
    UNION ALL
    SELECT instance_id, element_id FROM subscriptions
    UNION ALL
    SELECT instance_id, element_id FROM incidents
    WHERE resolved_at IS NULL AND element_id IS NOT NULL
) AS w
JOIN instances AS i ON i.id = w.instance_id
GROUP BY i.process_id, w.element_id;

-- Jobs a worker may activate now: ready and due, or leased to a worker whose lease ran
-- out (as `job_claim` takes them); each waits since it was due, or since its lease ended.
-- name: gauges_jobs
SELECT type, COUNT(*) AS n, MIN(since) AS oldest
FROM (
    SELECT type, due_at AS since FROM jobs WHERE status = 'ready' AND due_at <= :now
    UNION ALL
    SELECT type, lease_until AS since FROM jobs WHERE status = 'claimed' AND lease_until <= :now
) AS q
GROUP BY type;

-- name: gauges_incidents
SELECT COALESCE(i.process_id, '') AS process_id, x.error_type, COUNT(*) AS n
FROM incidents AS x
LEFT JOIN instances AS i ON i.id = x.instance_id
WHERE x.resolved_at IS NULL
GROUP BY COALESCE(i.process_id, ''), x.error_type;
