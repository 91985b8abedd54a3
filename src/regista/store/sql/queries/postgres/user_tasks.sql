-- The tasklist (Transaction.search_user_tasks, update_user_task). Filters given as NULL
-- match everything; :states and :groups are JSON arrays (:states empty: any state).
-- :viewer, when given, keeps the tasks the viewer may see: assigned to them, offered to them
-- or to one of :groups, or offered to nobody at all. Rows come in the order of :sort (a
-- column name, see the CASE) then id, ascending unless :descending; :after is the id of the
-- last row of the previous page (keyset pagination); user_task_count counts every match.

-- name: user_task_search
WITH keyed AS (
    SELECT t.*,
        CASE CAST(:sort AS text)
            WHEN 'priority' THEN lpad(CAST(t.priority AS text), 3, '0')
            WHEN 'due_at' THEN COALESCE(to_char(t.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '')
            WHEN 'follow_up_at' THEN COALESCE(to_char(t.follow_up_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '')
            WHEN 'completed_at' THEN COALESCE(to_char(t.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '')
            WHEN 'name' THEN COALESCE(t.name, '') COLLATE "C"
            ELSE to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
        END AS sort_key
    FROM user_tasks t
    WHERE (jsonb_array_length(CAST(:states AS jsonb)) = 0
           OR t.status IN (SELECT jsonb_array_elements_text(CAST(:states AS jsonb))))
      AND (CAST(:task_id AS TEXT) IS NULL OR t.id = :task_id)
      AND (CAST(:instance_id AS TEXT) IS NULL OR t.instance_id = :instance_id)
      AND (CAST(:element_id AS TEXT) IS NULL OR t.element_id = :element_id)
      AND (CAST(:element_instance_id AS TEXT) IS NULL
           OR t.element_instance_id = :element_instance_id)
      AND (CAST(:assignee AS TEXT) IS NULL OR t.assignee = :assignee)
      AND (CAST(:candidate_user AS TEXT) IS NULL
           OR t.candidate_users ? CAST(:candidate_user AS text))
      AND (CAST(:candidate_group AS TEXT) IS NULL
           OR t.candidate_groups ? CAST(:candidate_group AS text))
      AND (CAST(:priority AS integer) IS NULL OR t.priority = :priority)
      AND (CAST(:viewer AS TEXT) IS NULL
           OR t.assignee = :viewer
           OR t.candidate_users ? CAST(:viewer AS text)
           OR t.candidate_groups ?| ARRAY(
                      SELECT jsonb_array_elements_text(CAST(:groups AS jsonb)))
           OR (t.assignee IS NULL AND jsonb_array_length(t.candidate_users) = 0
               AND jsonb_array_length(t.candidate_groups) = 0))
),
cursor AS (
    SELECT
        CASE CAST(:sort AS text)
            WHEN 'priority' THEN lpad(CAST(c.priority AS text), 3, '0')
            WHEN 'due_at' THEN COALESCE(to_char(c.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '')
            WHEN 'follow_up_at' THEN COALESCE(to_char(c.follow_up_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '')
            WHEN 'completed_at' THEN COALESCE(to_char(c.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '')
            WHEN 'name' THEN COALESCE(c.name, '') COLLATE "C"
            ELSE to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
        END AS sort_key,
        c.id
    FROM user_tasks c WHERE c.id = :after
)
SELECT keyed.* FROM keyed
WHERE CAST(:after AS TEXT) IS NULL OR EXISTS (
    SELECT 1 FROM cursor
    WHERE (CAST(:descending AS integer) = 0 AND (keyed.sort_key > cursor.sort_key
           OR (keyed.sort_key = cursor.sort_key AND keyed.id > cursor.id)))
       OR (CAST(:descending AS integer) = 1 AND (keyed.sort_key < cursor.sort_key
           OR (keyed.sort_key = cursor.sort_key AND keyed.id < cursor.id))))
ORDER BY
    CASE WHEN CAST(:descending AS integer) = 0 THEN keyed.sort_key END ASC,
    CASE WHEN CAST(:descending AS integer) = 0 THEN keyed.id END ASC,
    CASE WHEN CAST(:descending AS integer) = 1 THEN keyed.sort_key END DESC,
    CASE WHEN CAST(:descending AS integer) = 1 THEN keyed.id END DESC
LIMIT :limit OFFSET :offset;

-- name: user_task_count
SELECT count(*) AS n FROM user_tasks
WHERE (jsonb_array_length(CAST(:states AS jsonb)) = 0
       OR status IN (SELECT jsonb_array_elements_text(CAST(:states AS jsonb))))
  AND (CAST(:task_id AS TEXT) IS NULL OR id = :task_id)
  AND (CAST(:instance_id AS TEXT) IS NULL OR instance_id = :instance_id)
  AND (CAST(:element_id AS TEXT) IS NULL OR element_id = :element_id)
  AND (CAST(:element_instance_id AS TEXT) IS NULL OR element_instance_id = :element_instance_id)
  AND (CAST(:assignee AS TEXT) IS NULL OR assignee = :assignee)
  AND (CAST(:candidate_user AS TEXT) IS NULL
       OR candidate_users ? CAST(:candidate_user AS text))
  AND (CAST(:candidate_group AS TEXT) IS NULL
       OR candidate_groups ? CAST(:candidate_group AS text))
  AND (CAST(:priority AS integer) IS NULL OR priority = :priority)
  AND (CAST(:viewer AS TEXT) IS NULL
       OR assignee = :viewer
       OR candidate_users ? CAST(:viewer AS text)
       OR candidate_groups ?| ARRAY(
                  SELECT jsonb_array_elements_text(CAST(:groups AS jsonb)))
       OR (assignee IS NULL AND jsonb_array_length(candidate_users) = 0
           AND jsonb_array_length(candidate_groups) = 0));

-- name: user_task_update
UPDATE user_tasks
SET due_at = :due_at, follow_up_at = :follow_up_at, candidate_users = :candidate_users,
    candidate_groups = :candidate_groups, priority = :priority
WHERE id = :id AND status = 'open'
RETURNING id;
