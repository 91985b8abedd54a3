-- Changes to a task of the tasklist (Transaction.update_user_task); the tasklist's
-- searches are built from the pieces in search.sql.

-- name: user_task_update
UPDATE user_tasks
SET due_at = :due_at, follow_up_at = :follow_up_at, candidate_users = :candidate_users,
    candidate_groups = :candidate_groups, priority = :priority
WHERE id = :id AND status = 'open'
RETURNING id;
