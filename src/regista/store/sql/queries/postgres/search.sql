-- The pieces the lists of the API are built from (store/sql/search.py): a list query is
-- one of the `*_rows` heads, the conditions of the filters a search gives (joined with
-- AND; a filter left out adds nothing, so the planner sees only what is asked), an order
-- and a page. A list filtered by statuses is one branch per status, each walking a
-- status-led index in the page's order, joined with UNION ALL under the same ORDER BY,
-- which the database merges lazily: no list sorts the rows it reads.
-- Keyset paging: the sort key and id of the last row seen. Counts stop at :cap.

-- name: page_limit
LIMIT :limit OFFSET :offset

-- name: count_cap
LIMIT :cap

-- One branch of a merged list: PostgreSQL merges branches that are ordered each
-- (Merge Append of index scans) and stops at the page's end.

-- name: branch
({branch} ORDER BY {order})

-- name: instance_rows
SELECT * FROM instances

-- The rows of a list led by one of these filters, on the index that serves it and the
-- order.

-- name: instance_rows_definition_started
SELECT * FROM instances

-- name: instance_rows_definition_key
SELECT * FROM instances

-- name: instance_rows_process_started
SELECT * FROM instances

-- name: instance_rows_process_key
SELECT * FROM instances

-- name: instance_rows_parent_started
SELECT * FROM instances

-- name: instance_rows_parent_key
SELECT * FROM instances

-- name: instance_count_rows
SELECT 1 FROM instances

-- name: instance_id_is
id = :instance_id

-- name: instance_process_is
process_id = :process_id

-- name: instance_definition_is
definition_id = :definition_id

-- name: instance_parent_is
parent_instance_id = :parent_instance_id

-- name: instance_business_key_is
business_key = :business_key

-- name: instance_status_is
status = :status

-- name: instance_status_in
status = ANY(:statuses)

-- name: instance_started_from
started_at >= :started_from

-- name: instance_started_to
started_at <= :started_to

-- name: instance_ended_from
ended_at >= :ended_from

-- name: instance_ended_to
ended_at <= :ended_to

-- The same, for a page in another order than the one the range is on: a condition
-- checked on the rows the order's index walk meets.

-- name: instance_started_from_residual
started_at >= :started_from

-- name: instance_started_to_residual
started_at <= :started_to

-- name: instance_ended_from_residual
ended_at >= :ended_from

-- name: instance_ended_to_residual
ended_at <= :ended_to

-- name: instance_after_started_asc
(started_at, id) > (:after_started, :after_id)

-- name: instance_after_started_desc
(started_at, id) < (:after_started, :after_id)

-- name: instance_after_key_asc
id > :after_id

-- name: instance_after_key_desc
id < :after_id

-- name: instance_order_started_asc
started_at, id

-- name: instance_order_started_desc
started_at DESC, id DESC

-- name: instance_order_key_asc
id

-- name: instance_order_key_desc
id DESC

-- Incidents, by creation time then id.

-- name: incident_rows
SELECT * FROM incidents

-- name: incident_count_rows
SELECT 1 FROM incidents

-- name: incident_id_is
id = :incident_id

-- name: incident_instance_is
instance_id = :instance_id

-- name: incident_element_is
element_id = :element_id

-- name: incident_job_is
job_id = :job_id

-- name: incident_element_instance_is
element_instance_id = :element_instance_id

-- name: incident_process_is
EXISTS (SELECT 1 FROM instances i
        WHERE i.id = incidents.instance_id AND i.process_id = :process_id)

-- name: incident_definition_is
EXISTS (SELECT 1 FROM instances i
        WHERE i.id = incidents.instance_id AND i.definition_id = :definition_id)

-- name: incident_created_from
created_at >= :created_from

-- name: incident_created_to
created_at <= :created_to

-- name: incident_type_in
error_type = ANY(:error_types)

-- name: incident_open
resolved_at IS NULL

-- name: incident_resolved
resolved_at IS NOT NULL

-- name: incident_after_asc
(created_at, id) > (:after_created, :after_id)

-- name: incident_after_desc
(created_at, id) < (:after_created, :after_id)

-- name: incident_order_asc
created_at, id

-- name: incident_order_desc
created_at DESC, id DESC

-- Jobs, by key, never the runtime's own types (:internal, the LIKE pattern of their
-- prefix); process and definition filter by the job's instance.

-- name: job_rows
SELECT * FROM jobs

-- name: job_count_rows
SELECT 1 FROM jobs

-- name: job_listed
type NOT LIKE :internal

-- name: job_id_is
id = :job_id

-- name: job_type_is
type = :type

-- name: job_worker_is
lease_owner = :worker

-- name: job_status_is
status = :status

-- name: job_status_in
status = ANY(:statuses)

-- name: job_instance_is
instance_id = :instance_id

-- name: job_process_is
EXISTS (SELECT 1 FROM instances i
        WHERE i.id = jobs.instance_id AND i.process_id = :process_id)

-- name: job_definition_is
EXISTS (SELECT 1 FROM instances i
        WHERE i.id = jobs.instance_id AND i.definition_id = :definition_id)

-- name: job_element_is
element_id = :element_id

-- name: job_element_instance_is
element_instance_id = :element_instance_id

-- name: job_retries_is
retries = :retries

-- name: job_retries_from
retries >= :retries_from

-- name: job_retries_to
retries <= :retries_to

-- name: job_retried
status = 'ready' AND error IS NOT NULL

-- name: job_not_retried
NOT (status = 'ready' AND error IS NOT NULL)

-- name: job_after_asc
id > :after_id

-- name: job_after_desc
id < :after_id

-- name: job_order_asc
id

-- name: job_order_desc
id DESC

-- The tasklist, in the order of one of the `user_task_sort_*` keys then id (each served
-- by an index after the status); :after is the id of the last row of the previous page.
-- :viewer keeps the tasks the viewer may see: assigned to them, offered to them or to one
-- of :groups (a text array), or offered to nobody at all.

-- name: user_task_count_rows
SELECT 1 FROM user_tasks

-- name: user_task_status_is
status = :status

-- name: user_task_status_in
status = ANY(:states)

-- name: user_task_id_is
id = :task_id

-- name: user_task_instance_is
instance_id = :instance_id

-- name: user_task_element_is
element_id = :element_id

-- name: user_task_element_instance_is
element_instance_id = :element_instance_id

-- name: user_task_assignee_is
assignee = :assignee

-- name: user_task_offered_to_user
candidate_users ? CAST(:candidate_user AS text)

-- name: user_task_offered_to_group
candidate_groups ? CAST(:candidate_group AS text)

-- (checked on the rows walked, `+ 0` keeping it from making the priority a constant of
-- each branch, after which the branches of a priority order no longer merge)
-- name: user_task_priority_is
priority + 0 = :priority

-- name: user_task_unassigned
assignee IS NULL

-- name: user_task_assigned
assignee IS NOT NULL

-- name: user_task_due_from
due_at >= :due_from

-- name: user_task_due_to
due_at < :due_to

-- (the instances of one process or definition: their tasks are found by instance)
-- name: user_task_process_is
instance_id IN (SELECT id FROM instances WHERE process_id = :process_id)

-- name: user_task_definition_is
instance_id IN (SELECT id FROM instances WHERE definition_id = :definition_id)

-- name: user_task_visible
(assignee = :viewer
 OR candidate_users ? CAST(:viewer AS text)
 OR candidate_groups ?| CAST(:groups AS text[])
 OR (assignee IS NULL AND jsonb_array_length(candidate_users) = 0
     AND jsonb_array_length(candidate_groups) = 0))

-- A missing date sorts first: it stands in as the start of year 2 (UTC), before any date
-- a task can have and still a time the driver reads in any session time zone.

-- name: user_task_sort_created_at
created_at

-- name: user_task_sort_priority
priority

-- name: user_task_sort_due_at
COALESCE(due_at, '0002-01-01 00:00:00+00'::timestamptz)

-- name: user_task_sort_follow_up_at
COALESCE(follow_up_at, '0002-01-01 00:00:00+00'::timestamptz)

-- name: user_task_sort_completed_at
COALESCE(completed_at, '0002-01-01 00:00:00+00'::timestamptz)

-- name: user_task_sort_name
(COALESCE(name, '') COLLATE "C")

-- SORT_KEY stands for one of the `user_task_sort_*` expressions.

-- name: user_task_rows
SELECT *, SORT_KEY AS sort_key FROM user_tasks

-- name: user_task_after_asc
(SORT_KEY, id) > ((SELECT SORT_KEY FROM user_tasks WHERE id = :after), :after)

-- name: user_task_after_desc
(SORT_KEY, id) < ((SELECT SORT_KEY FROM user_tasks WHERE id = :after), :after)

-- name: user_task_order_asc
sort_key, id

-- name: user_task_order_desc
sort_key DESC, id DESC

-- messageId of published messages: claimed while no live message holds it (an expired
-- one gives way).

-- name: message_id_claim
INSERT INTO message_ids AS m (name, correlation_key, message_id, message_key, expires_at)
VALUES (:name, :correlation_key, :message_id, :message_key, :expires_at)
ON CONFLICT (name, correlation_key, message_id) DO UPDATE
SET message_key = excluded.message_key, expires_at = excluded.expires_at
WHERE m.expires_at <= :now
RETURNING message_key;

-- name: message_id_purge
DELETE FROM message_ids WHERE expires_at <= :now;

-- Variables (store/variables.py), by key. A condition on a variable's value compares the
-- row `v` with :cond: JSON text for equality (texts are canonical), the number column
-- for numbers, the string's beginning for orderings and `like`.

-- The rows of a page, on the index of its lead filter (named: without statistics SQLite
-- may take the primary key and sort).

-- name: variable_rows_key
SELECT v.* FROM variables v

-- name: variable_rows_instance
SELECT v.* FROM variables v

-- name: variable_rows_name
SELECT v.* FROM variables v

-- name: variable_rows_scope
SELECT v.* FROM variables v

-- name: variable_count_rows
SELECT 1 FROM variables v

-- name: variable_name_is
v.name = :name

-- name: variable_instance_is
v.instance_id = :instance_id

-- name: variable_scope_is
v.scope_id = :scope_id

-- name: variable_name_in
v.name = ANY(:names)

-- name: variable_scope_in
v.scope_id = ANY(:scope_ids)

-- name: variable_key_is
v.variable_key = :key

-- name: variable_after_asc
v.variable_key > :after_key

-- name: variable_after_desc
v.variable_key < :after_key

-- name: variable_order_asc
variable_key

-- name: variable_order_desc
variable_key DESC

-- name: variable_named
v.name = :cond_name

-- name: variable_json_eq
v.value = :cond

-- name: variable_json_neq
v.value <> :cond

-- name: variable_number_eq
v.value_number = :cond

-- name: variable_number_neq
(v.value_number IS NULL OR v.value_number <> :cond)

-- name: variable_number_gt
v.value_number > :cond

-- name: variable_number_gteq
v.value_number >= :cond

-- name: variable_number_lt
v.value_number < :cond

-- name: variable_number_lteq
v.value_number <= :cond

-- name: variable_text_gt
v.value_text > :cond COLLATE "C"

-- name: variable_text_gteq
v.value_text >= :cond COLLATE "C"

-- name: variable_text_lt
v.value_text < :cond COLLATE "C"

-- name: variable_text_lteq
v.value_text <= :cond COLLATE "C"

-- name: variable_text_like
v.value_text LIKE :cond

-- An instance whose own variable (of its top scope, found by the primary key) meets
-- {cond}: checked on the rows the instance walk meets.

-- name: instance_variable
EXISTS (SELECT 1 FROM variables v WHERE v.scope_id = instances.id AND {cond})
