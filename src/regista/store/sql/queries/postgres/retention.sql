-- History retention (Transaction.prune): ended instances older than a cutoff are
-- removed with everything that belongs to them, a small batch per transaction. An instance
-- is kept while it still has work in flight (an unfinished job, such as an outbox job that
-- notifies its parent, or an open incident) and while its parent instance is running or
-- ended after the cutoff. Candidates are taken FOR UPDATE SKIP LOCKED: an instance some
-- unit of work holds is left for the next round, so pruning never waits on the engine.

-- name: prunable
-- walks instances_ended (ended_at, id) from where the run's previous batch stopped
-- (:after_ended, :after_id): no sort, and no second look at instances a run left
SELECT i.id, i.ended_at FROM instances i
WHERE i.ended_at IS NOT NULL AND i.ended_at < :before
  AND (i.ended_at, i.id) > (:after_ended, :after_id)
  AND i.status IN ('completed', 'terminated', 'cancelled')
  AND NOT EXISTS (
      SELECT 1 FROM jobs j
      WHERE j.instance_id = i.id AND j.status IN ('ready', 'claimed', 'failed'))
  AND NOT EXISTS (
      SELECT 1 FROM incidents n WHERE n.instance_id = i.id AND n.resolved_at IS NULL)
  AND (i.parent_instance_id IS NULL OR NOT EXISTS (
      SELECT 1 FROM instances p
      WHERE p.id = i.parent_instance_id AND (p.ended_at IS NULL OR p.ended_at >= :before)))
ORDER BY i.ended_at, i.id
LIMIT :limit
FOR UPDATE OF i SKIP LOCKED;

-- name: count_prunable
SELECT count(*) AS n FROM instances i
WHERE i.status IN ('completed', 'terminated', 'cancelled')
  AND i.ended_at IS NOT NULL AND i.ended_at < :before
  AND NOT EXISTS (
      SELECT 1 FROM jobs j
      WHERE j.instance_id = i.id AND j.status IN ('ready', 'claimed', 'failed'))
  AND NOT EXISTS (
      SELECT 1 FROM incidents n WHERE n.instance_id = i.id AND n.resolved_at IS NULL)
  AND (i.parent_instance_id IS NULL OR NOT EXISTS (
      SELECT 1 FROM instances p
      WHERE p.id = i.parent_instance_id AND (p.ended_at IS NULL OR p.ended_at >= :before)));

-- name: delete_history
-- each row's events counted (a row holds the events of one command)
DELETE FROM history WHERE instance_id = ANY(:ids)
RETURNING json_array_length(events) AS n;

-- name: delete_steps
DELETE FROM steps WHERE instance_id = ANY(:ids);

-- name: delete_history_heads
DELETE FROM history_heads WHERE instance_id = ANY(:ids);

-- name: delete_jobs
DELETE FROM jobs WHERE instance_id = ANY(:ids);

-- name: delete_timers
DELETE FROM timers WHERE instance_id = ANY(:ids);

-- name: delete_user_tasks
DELETE FROM user_tasks WHERE instance_id = ANY(:ids);

-- name: delete_subscriptions
DELETE FROM subscriptions WHERE instance_id = ANY(:ids);

-- name: delete_variables
DELETE FROM variables WHERE instance_id = ANY(:ids);

-- name: delete_incidents
DELETE FROM incidents WHERE instance_id = ANY(:ids);

-- name: delete_instances
DELETE FROM instances WHERE id = ANY(:ids);

-- name: delete_sla_breaches
DELETE FROM sla_breaches WHERE instance_id = ANY(:ids);

-- name: prune_batch
-- one batch in one statement (one round trip instead of one for each table): the candidates
-- as `prunable` (locked, SKIP LOCKED), their part of the element totals taken away (read
-- from their history in the statement's snapshot, before the deletes of the same statement
-- take effect), and every row they own deleted; answers the rows deleted from the counted
-- tables and the end time and id of the last instance. Every sub-statement runs once,
-- whether or not the final SELECT reads it.
WITH doomed AS MATERIALIZED (
    SELECT i.id, i.ended_at, i.definition_id FROM instances i
    WHERE i.ended_at IS NOT NULL AND i.ended_at < :before
      AND (i.ended_at, i.id) > (:after_ended, :after_id)
      AND i.status IN ('completed', 'terminated', 'cancelled')
      AND NOT EXISTS (
          SELECT 1 FROM jobs j
          WHERE j.instance_id = i.id AND j.status IN ('ready', 'claimed', 'failed'))
      AND NOT EXISTS (
          SELECT 1 FROM incidents n WHERE n.instance_id = i.id AND n.resolved_at IS NULL)
      AND (i.parent_instance_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM instances p
          WHERE p.id = i.parent_instance_id AND (p.ended_at IS NULL OR p.ended_at >= :before)))
    ORDER BY i.ended_at, i.id
    LIMIT :limit
    FOR UPDATE OF i SKIP LOCKED
), forgotten AS (
    INSERT INTO element_counts (definition_id, element_id, shard, activated, completed,
        terminated)
    SELECT d.definition_id, h.element_id, 0,
        -count(*) FILTER (WHERE h.kind = 'element_activated'),
        -count(*) FILTER (WHERE h.kind = 'element_completed'),
        -count(*) FILTER (WHERE h.kind = 'element_terminated')
    FROM doomed d JOIN history_events h ON h.instance_id = d.id
    WHERE h.element_id IS NOT NULL
      AND h.kind IN ('element_activated', 'element_completed', 'element_terminated')
    GROUP BY d.definition_id, h.element_id
    ORDER BY d.definition_id COLLATE "C", h.element_id COLLATE "C"
    ON CONFLICT (definition_id, element_id, shard) DO UPDATE SET
        activated = element_counts.activated + excluded.activated,
        completed = element_counts.completed + excluded.completed,
        terminated = element_counts.terminated + excluded.terminated
    RETURNING 1
), gone_history AS (
    -- each row's events counted (a row holds the events of one command)
    DELETE FROM history WHERE instance_id IN (SELECT id FROM doomed)
    RETURNING json_array_length(events) AS n
), gone_jobs AS (
    DELETE FROM jobs WHERE instance_id IN (SELECT id FROM doomed) RETURNING 1
), gone_timers AS (
    DELETE FROM timers WHERE instance_id IN (SELECT id FROM doomed) RETURNING 1
), gone_user_tasks AS (
    DELETE FROM user_tasks WHERE instance_id IN (SELECT id FROM doomed) RETURNING 1
), gone_subscriptions AS (
    DELETE FROM subscriptions WHERE instance_id IN (SELECT id FROM doomed) RETURNING 1
), gone_incidents AS (
    DELETE FROM incidents WHERE instance_id IN (SELECT id FROM doomed) RETURNING 1
), gone_instances AS (
    DELETE FROM instances WHERE id IN (SELECT id FROM doomed) RETURNING 1
), gone_heads AS (
    DELETE FROM history_heads WHERE instance_id IN (SELECT id FROM doomed)
), gone_variables AS (
    DELETE FROM variables WHERE instance_id IN (SELECT id FROM doomed)
), gone_decisions AS (
    DELETE FROM decision_instances WHERE instance_id IN (SELECT id FROM doomed)
), gone_breaches AS (
    DELETE FROM sla_breaches WHERE instance_id IN (SELECT id FROM doomed)
), gone_steps AS (
    DELETE FROM steps WHERE instance_id IN (SELECT id FROM doomed)
), last AS (
    SELECT d.ended_at, d.id FROM doomed d ORDER BY d.ended_at DESC, d.id DESC LIMIT 1
)
SELECT (SELECT count(*) FROM gone_instances) AS instances,
    (SELECT COALESCE(sum(n), 0) FROM gone_history) AS history,
    (SELECT count(*) FROM gone_jobs) AS jobs,
    (SELECT count(*) FROM gone_timers) AS timers,
    (SELECT count(*) FROM gone_user_tasks) AS user_tasks,
    (SELECT count(*) FROM gone_subscriptions) AS subscriptions,
    (SELECT count(*) FROM gone_incidents) AS incidents,
    (SELECT count(*) FROM forgotten) AS totals,
    (SELECT ended_at FROM last) AS ended_at,
    (SELECT id FROM last) AS id;
