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
