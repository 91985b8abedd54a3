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
WHERE definition_id IN (SELECT value FROM json_each(:ids))
GROUP BY definition_id, status
ORDER BY definition_id, status;

-- name: element_event_counts
SELECT h.element_id, h.kind, count(*) AS n
FROM instances i JOIN history h ON h.instance_id = i.id
WHERE i.definition_id = :definition_id
  AND i.status IN (SELECT value FROM json_each(:statuses))
  AND h.element_id IS NOT NULL
  AND h.kind IN ('element_activated', 'element_completed', 'element_terminated')
GROUP BY h.element_id, h.kind;

-- name: element_incident_counts
SELECT c.element_id, count(*) AS n
FROM instances i JOIN incidents c ON c.instance_id = i.id
WHERE i.definition_id = :definition_id
  AND i.status IN (SELECT value FROM json_each(:statuses))
  AND c.resolved_at IS NULL AND c.element_id IS NOT NULL
GROUP BY c.element_id;
