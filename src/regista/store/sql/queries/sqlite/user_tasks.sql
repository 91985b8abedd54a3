-- The tasklist (Transaction.search_user_tasks, update_user_task). Filters given as NULL
-- match everything; :states and :groups are JSON arrays (:states empty: any state).
-- :viewer, when given, keeps the tasks the viewer may see: assigned to them, offered to them
-- or to one of :groups, or offered to nobody at all. Rows come in the order of :sort (a
-- column name, see the CASE) then id, ascending unless :descending; :after is the id of the
-- last row of the previous page (keyset pagination); user_task_count counts every match.

-- name: user_task_search
WITH keyed AS (
    SELECT t.*,
        CASE :sort
            WHEN 'priority' THEN printf('%03d', t.priority)
            WHEN 'due_at' THEN COALESCE(t.due_at, '')
            WHEN 'follow_up_at' THEN COALESCE(t.follow_up_at, '')
            WHEN 'completed_at' THEN COALESCE(t.completed_at, '')
            WHEN 'name' THEN COALESCE(t.name, '')
            ELSE t.created_at
        END AS sort_key
    FROM user_tasks t
    WHERE (json_array_length(:states) = 0 OR t.status IN (SELECT value FROM json_each(:states)))
      AND (CAST(:task_id AS TEXT) IS NULL OR t.id = :task_id)
      AND (CAST(:instance_id AS TEXT) IS NULL OR t.instance_id = :instance_id)
      AND (CAST(:element_id AS TEXT) IS NULL OR t.element_id = :element_id)
      AND (CAST(:element_instance_id AS TEXT) IS NULL
           OR t.element_instance_id = :element_instance_id)
      AND (CAST(:assignee AS TEXT) IS NULL OR t.assignee = :assignee)
      AND (CAST(:candidate_user AS TEXT) IS NULL
           OR EXISTS (SELECT 1 FROM json_each(t.candidate_users) WHERE value = :candidate_user))
      AND (CAST(:candidate_group AS TEXT) IS NULL
           OR EXISTS (SELECT 1 FROM json_each(t.candidate_groups) WHERE value = :candidate_group))
      AND (:priority IS NULL OR t.priority = :priority)
      AND (CAST(:viewer AS TEXT) IS NULL
           OR t.assignee = :viewer
           OR EXISTS (SELECT 1 FROM json_each(t.candidate_users) WHERE value = :viewer)
           OR EXISTS (SELECT 1 FROM json_each(t.candidate_groups) g
                      WHERE g.value IN (SELECT value FROM json_each(:groups)))
           OR (t.assignee IS NULL AND json_array_length(t.candidate_users) = 0
               AND json_array_length(t.candidate_groups) = 0))
),
cursor AS (
    SELECT
        CASE :sort
            WHEN 'priority' THEN printf('%03d', c.priority)
            WHEN 'due_at' THEN COALESCE(c.due_at, '')
            WHEN 'follow_up_at' THEN COALESCE(c.follow_up_at, '')
            WHEN 'completed_at' THEN COALESCE(c.completed_at, '')
            WHEN 'name' THEN COALESCE(c.name, '')
            ELSE c.created_at
        END AS sort_key,
        c.id
    FROM user_tasks c WHERE c.id = :after
)
SELECT keyed.* FROM keyed
WHERE CAST(:after AS TEXT) IS NULL OR EXISTS (
    SELECT 1 FROM cursor
    WHERE (:descending = 0 AND (keyed.sort_key > cursor.sort_key
           OR (keyed.sort_key = cursor.sort_key AND keyed.id > cursor.id)))
       OR (:descending = 1 AND (keyed.sort_key < cursor.sort_key
           OR (keyed.sort_key = cursor.sort_key AND keyed.id < cursor.id))))
ORDER BY
    CASE WHEN :descending = 0 THEN keyed.sort_key END ASC,
    CASE WHEN :descending = 0 THEN keyed.id END ASC,
    CASE WHEN :descending = 1 THEN keyed.sort_key END DESC,
    CASE WHEN :descending = 1 THEN keyed.id END DESC
LIMIT :limit OFFSET :offset;

-- name: user_task_count
SELECT count(*) AS n FROM user_tasks
WHERE (json_array_length(:states) = 0 OR status IN (SELECT value FROM json_each(:states)))
  AND (CAST(:task_id AS TEXT) IS NULL OR id = :task_id)
  AND (CAST(:instance_id AS TEXT) IS NULL OR instance_id = :instance_id)
  AND (CAST(:element_id AS TEXT) IS NULL OR element_id = :element_id)
  AND (CAST(:element_instance_id AS TEXT) IS NULL OR element_instance_id = :element_instance_id)
  AND (CAST(:assignee AS TEXT) IS NULL OR assignee = :assignee)
  AND (CAST(:candidate_user AS TEXT) IS NULL
       OR EXISTS (SELECT 1 FROM json_each(candidate_users) WHERE value = :candidate_user))
  AND (CAST(:candidate_group AS TEXT) IS NULL
       OR EXISTS (SELECT 1 FROM json_each(candidate_groups) WHERE value = :candidate_group))
  AND (:priority IS NULL OR priority = :priority)
  AND (CAST(:viewer AS TEXT) IS NULL
       OR assignee = :viewer
       OR EXISTS (SELECT 1 FROM json_each(candidate_users) WHERE value = :viewer)
       OR EXISTS (SELECT 1 FROM json_each(candidate_groups) g
                  WHERE g.value IN (SELECT value FROM json_each(:groups)))
       OR (assignee IS NULL AND json_array_length(candidate_users) = 0
           AND json_array_length(candidate_groups) = 0));

-- name: user_task_update
UPDATE user_tasks
SET due_at = :due_at, follow_up_at = :follow_up_at, candidate_users = :candidate_users,
    candidate_groups = :candidate_groups, priority = :priority
WHERE id = :id AND status = 'open'
RETURNING id;
