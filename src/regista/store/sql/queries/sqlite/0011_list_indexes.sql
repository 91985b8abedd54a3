-- Regista schema 11 (SQLite): every list the API offers walks an index in its order and
-- stops at the page's end, and retention walks the end time. A list filtered by one or
-- more statuses reads one ordered branch per status and merges them (store/sql/search.py),
-- so each status-led index serves "newest of definition X in state Y" without a sort.

DROP INDEX instances_status;
DROP INDEX instances_definition;
DROP INDEX instances_parent;
DROP INDEX instances_process_started;
CREATE INDEX instances_status_started ON instances (status, started_at, id);
CREATE INDEX instances_status_key ON instances (status, id);
CREATE INDEX instances_definition_started ON instances (definition_id, status, started_at, id);
CREATE INDEX instances_definition_key ON instances (definition_id, status, id);
CREATE INDEX instances_process_started ON instances (process_id, status, started_at, id);
CREATE INDEX instances_process_order_key ON instances (process_id, status, id);
CREATE INDEX instances_parent_started ON instances (parent_instance_id, status, started_at, id)
    WHERE parent_instance_id IS NOT NULL;
CREATE INDEX instances_parent_key ON instances (parent_instance_id, status, id)
    WHERE parent_instance_id IS NOT NULL;
CREATE INDEX instances_ended ON instances (ended_at, id) WHERE ended_at IS NOT NULL;

DROP INDEX jobs_instance;
CREATE INDEX jobs_instance ON jobs (instance_id, id);
CREATE INDEX jobs_type_key ON jobs (type, id);
CREATE INDEX jobs_status_key ON jobs (status, id);

DROP INDEX user_tasks_instance;
CREATE INDEX user_tasks_instance ON user_tasks (instance_id, created_at, id);
CREATE INDEX user_tasks_status_created ON user_tasks (status, created_at, id);
CREATE INDEX user_tasks_status_priority ON user_tasks (status, priority, id);
CREATE INDEX user_tasks_status_due ON user_tasks (status, COALESCE(due_at, ''), id);
CREATE INDEX user_tasks_status_follow_up ON user_tasks (status, COALESCE(follow_up_at, ''), id);
CREATE INDEX user_tasks_status_completed ON user_tasks (status, COALESCE(completed_at, ''), id);
CREATE INDEX user_tasks_status_name ON user_tasks (status, COALESCE(name, ''), id);

DROP INDEX incidents_instance;
DROP INDEX incidents_open;
CREATE INDEX incidents_instance ON incidents (instance_id, created_at, id);
CREATE INDEX incidents_open ON incidents (created_at, id) WHERE resolved_at IS NULL;
DROP INDEX user_tasks_created;
