-- The cockpit's counts (StatisticsTransaction, store/statistics.py): GROUP BY over indexed
-- columns. Instances per definition and status read the index (definition_id, status, id)
-- alone; element counts walk a definition's instances by that index and each instance's
-- history by its (instance_id, seq) key, grouping the element events by element and kind.

-- name: instance_counts
SELECT definition_id, status, count(*) AS n FROM instances
GROUP BY definition_id, status
ORDER BY definition_id, status;

-- name: instance_counts_of
SELECT definition_id, status, count(*) AS n FROM instances
WHERE definition_id = ANY(:ids)
GROUP BY definition_id, status
ORDER BY definition_id, status;

-- name: element_event_counts
SELECT h.element_id, h.kind, count(*) AS n
FROM instances i JOIN history_events h ON h.instance_id = i.id
WHERE i.definition_id = :definition_id
  AND i.status = ANY(:statuses)
  AND h.element_id IS NOT NULL
  AND h.kind IN ('element_activated', 'element_completed', 'element_terminated')
GROUP BY h.element_id, h.kind;

-- name: element_incident_counts
SELECT c.element_id, count(*) AS n
FROM instances i JOIN incidents c ON c.instance_id = i.id
WHERE i.definition_id = :definition_id
  AND i.status = ANY(:statuses)
  AND c.resolved_at IS NULL AND c.element_id IS NOT NULL
GROUP BY c.element_id;

-- Element counts over every instance of a definition: the running totals of
-- element_counts (schema 17), summed over the shards, read by its primary key.

-- name: element_totals
SELECT element_id, sum(activated) AS activated, sum(completed) AS completed,
    sum(terminated) AS terminated
FROM element_counts WHERE definition_id = :definition_id
GROUP BY element_id
HAVING sum(activated) <> 0 OR sum(completed) <> 0 OR sum(terminated) <> 0;

-- name: element_open_incidents
-- the open incidents (their partial index) of the definition's instances
SELECT c.element_id, count(*) AS n
FROM incidents c JOIN instances i ON i.id = c.instance_id
WHERE c.resolved_at IS NULL AND c.element_id IS NOT NULL
  AND i.definition_id = :definition_id
GROUP BY c.element_id;

-- name: element_counts_add
-- :rows: [[instance, element, shard, activated, completed, terminated], ...], the element
-- events of a transaction; the instance gives the definition. Rows go in key order, the
-- order every transaction takes the rows' locks in, so that two never wait on each other.
INSERT INTO element_counts (definition_id, element_id, shard, activated, completed, terminated)
SELECT i.definition_id, e ->> 1, (e ->> 2)::integer, sum((e ->> 3)::bigint),
    sum((e ->> 4)::bigint), sum((e ->> 5)::bigint)
FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS r (e)
JOIN instances i ON i.id = e ->> 0
GROUP BY i.definition_id, e ->> 1, (e ->> 2)::integer
ORDER BY i.definition_id COLLATE "C", (e ->> 1) COLLATE "C", (e ->> 2)::integer
ON CONFLICT (definition_id, element_id, shard) DO UPDATE SET
    activated = element_counts.activated + excluded.activated,
    completed = element_counts.completed + excluded.completed,
    terminated = element_counts.terminated + excluded.terminated;

-- name: element_counts_forget
-- retention: the instances :ids leave their definitions' counts (read from their history
-- rows by the (instance_id, seq) key), before their history is deleted
INSERT INTO element_counts (definition_id, element_id, shard, activated, completed, terminated)
SELECT i.definition_id, h.element_id, 0,
    -count(*) FILTER (WHERE h.kind = 'element_activated'),
    -count(*) FILTER (WHERE h.kind = 'element_completed'),
    -count(*) FILTER (WHERE h.kind = 'element_terminated')
FROM instances i JOIN history_events h ON h.instance_id = i.id
WHERE i.id = ANY(:ids)
  AND h.element_id IS NOT NULL
  AND h.kind IN ('element_activated', 'element_completed', 'element_terminated')
GROUP BY i.definition_id, h.element_id
ORDER BY i.definition_id COLLATE "C", h.element_id COLLATE "C"
ON CONFLICT (definition_id, element_id, shard) DO UPDATE SET
    activated = element_counts.activated + excluded.activated,
    completed = element_counts.completed + excluded.completed,
    terminated = element_counts.terminated + excluded.terminated;

-- name: element_counts_move
-- an instance migrated to :definition_id takes its history's counts from its definition
-- to the new one (nothing when it stays)
INSERT INTO element_counts (definition_id, element_id, shard, activated, completed, terminated)
SELECT CASE WHEN s.sign < 0 THEN m.old ELSE CAST(:definition_id AS text) END AS target,
    m.element_id, 0, s.sign * m.a, s.sign * m.c, s.sign * m.t
FROM (
    SELECT i.definition_id AS old, h.element_id,
        count(*) FILTER (WHERE h.kind = 'element_activated') AS a,
        count(*) FILTER (WHERE h.kind = 'element_completed') AS c,
        count(*) FILTER (WHERE h.kind = 'element_terminated') AS t
    FROM instances i JOIN history_events h ON h.instance_id = i.id
    WHERE i.id = :id AND i.definition_id <> CAST(:definition_id AS text)
      AND h.element_id IS NOT NULL
      AND h.kind IN ('element_activated', 'element_completed', 'element_terminated')
    GROUP BY i.definition_id, h.element_id
) AS m CROSS JOIN (VALUES (-1), (1)) AS s (sign)
ORDER BY (CASE WHEN s.sign < 0 THEN m.old ELSE CAST(:definition_id AS text) END) COLLATE "C",
    m.element_id COLLATE "C"
ON CONFLICT (definition_id, element_id, shard) DO UPDATE SET
    activated = element_counts.activated + excluded.activated,
    completed = element_counts.completed + excluded.completed,
    terminated = element_counts.terminated + excluded.terminated;
