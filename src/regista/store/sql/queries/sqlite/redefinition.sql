-- An instance moved to another definition version (regista/store/redefinition.py).

-- name: instance_redefine
UPDATE instances SET definition_id = :definition_id, process_id = :process_id
WHERE id = :id;

-- name: job_rename
UPDATE jobs SET element_id = :element_id WHERE id = :row_id AND instance_id = :id;

-- name: user_task_rename
UPDATE user_tasks SET element_id = :element_id WHERE id = :row_id AND instance_id = :id;

-- name: timer_rename
UPDATE timers SET element_id = :element_id WHERE id = :row_id AND instance_id = :id;

-- name: subscription_rename
UPDATE subscriptions SET element_id = :element_id WHERE id = :row_id AND instance_id = :id;

-- name: incident_rename
UPDATE incidents SET element_id = :element_id WHERE id = :row_id AND instance_id = :id;
