-- Named queries of the SQLite store (see regista/store/sql/sqlfiles.py for the format).
-- Write transactions run under BEGIN IMMEDIATE, so a plain SELECT already reads what it will
-- change: SQLite has one writer at a time and needs no row locks.

-- name: schema_version_table
SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_version';

-- name: schema_version_current
SELECT coalesce(max(version), 0) AS version FROM schema_version;

-- name: schema_version_insert
INSERT INTO schema_version (version, name, applied_at) VALUES (:version, :name, :now);

-- name: node_upsert
INSERT INTO nodes (id, hostname, pid, started_at, heartbeat_at)
VALUES (:id, :hostname, :pid, :now, :now)
ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid,
    started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at;

-- name: node_heartbeat
UPDATE nodes SET heartbeat_at = :now WHERE id = :id;

-- name: node_delete
DELETE FROM nodes WHERE id = :id;

-- name: node_list
SELECT * FROM nodes ORDER BY started_at, id;

-- name: definition_insert
INSERT INTO definitions (id, process_id, version, sha256, source, resource_name, deployed_at,
                         trust, deployed_by)
VALUES (:id, :process_id, :version, :sha256, :source, :resource_name, :now, :trust, :deployed_by);

-- name: setting_get
SELECT value FROM settings WHERE name = :name;

-- name: setting_put
INSERT INTO settings (name, value, updated_at) VALUES (:name, :value, :now)
ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at;

-- name: setting_delete
DELETE FROM settings WHERE name = :name RETURNING name;

-- name: definition_get
SELECT * FROM definitions WHERE id = :id;

-- name: definition_latest
SELECT * FROM definitions WHERE process_id = :process_id ORDER BY version DESC LIMIT 1;

-- name: definition_latest_id
SELECT id FROM definitions WHERE process_id = :process_id ORDER BY version DESC LIMIT 1;

-- name: definition_version
SELECT * FROM definitions WHERE process_id = :process_id AND version = :version;

-- name: definition_list
SELECT * FROM definitions
WHERE CAST(:process_id AS TEXT) IS NULL OR process_id = :process_id
ORDER BY process_id, version;

-- name: instance_insert
INSERT INTO instances (id, definition_id, process_id, business_key, status, state, version,
    parent_instance_id, parent_element_instance_id, idempotency_key, started_at, ended_at,
    updated_at)
VALUES (:id, :definition_id, :process_id, :business_key, :status, :state, 1,
    :parent_instance_id, :parent_element_instance_id, :idempotency_key, :now, :ended_at, :now)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id;

-- name: instance_insert_new
-- an instance without an idempotency key: nothing can clash but a reused id (an error)
INSERT INTO instances (id, definition_id, process_id, business_key, status, state, version,
    parent_instance_id, parent_element_instance_id, idempotency_key, started_at, ended_at,
    updated_at)
VALUES (:id, :definition_id, :process_id, :business_key, :status, :state, 1,
    :parent_instance_id, :parent_element_instance_id, :idempotency_key, :now, :ended_at, :now);

-- name: instance_insert_latest
-- instance_insert_new, only if :definition_id is the latest version of :process_id (no row
-- inserted otherwise; PostgreSQL sends its twin with the commit, SQLite checks first)
INSERT INTO instances (id, definition_id, process_id, business_key, status, state, version,
    parent_instance_id, parent_element_instance_id, idempotency_key, started_at, ended_at,
    updated_at)
SELECT :id, :definition_id, :process_id, :business_key, :status, :state, 1,
    :parent_instance_id, :parent_element_instance_id, :idempotency_key, :now, :ended_at, :now
WHERE :definition_id = (
    SELECT id FROM definitions WHERE process_id = :process_id ORDER BY version DESC LIMIT 1
)
RETURNING id;

-- name: instance_get
SELECT * FROM instances WHERE id = :id;

-- name: instance_lock
-- also reads the head of the instance's history chain, which the unit of work extends
SELECT i.*,
    (SELECT seq FROM history WHERE instance_id = i.id ORDER BY seq DESC LIMIT 1) AS history_seq,
    (SELECT hash FROM history WHERE instance_id = i.id ORDER BY seq DESC LIMIT 1)
        AS history_hash
FROM instances i
WHERE i.id = :id;

-- name: instance_by_idempotency_key
SELECT * FROM instances WHERE idempotency_key = :key;

-- name: instance_version
SELECT version FROM instances WHERE id = :id;

-- name: instance_update
UPDATE instances
SET state = :state, status = :status, version = version + 1, updated_at = :now,
    ended_at = coalesce(:ended_at, ended_at)
WHERE id = :id AND version = :expected_version
RETURNING version;

-- name: instance_update_state
-- instance_update when the status stays and the instance does not end: naming neither
-- column leaves the eight indexes over the status alone (SQLite rewrites the entries of
-- every index over a column the SET names, even to the same value)
UPDATE instances
SET state = :state, version = version + 1, updated_at = :now
WHERE id = :id AND version = :expected_version
RETURNING version;

-- name: instance_update_state_checked
UPDATE instances
SET state = :state, version = version + 1, updated_at = :now
WHERE id = :id AND version = :expected_version
RETURNING version;

-- name: instance_update_checked
-- (PostgreSQL sends this with the commit; SQLite checks at once, as instance_update does)
UPDATE instances
SET state = :state, status = :status, version = version + 1, updated_at = :now,
    ended_at = coalesce(:ended_at, ended_at)
WHERE id = :id AND version = :expected_version
RETURNING version;

-- name: job_insert
-- status 'claimed' with attempt 1 and a lease when the creating node takes the job itself
INSERT INTO jobs (id, instance_id, element_id, element_instance_id, type, retries, attempt,
    status, lease_owner, lease_until, due_at, variables, headers, created_at)
VALUES (:id, :instance_id, :element_id, :element_instance_id, :type, :retries, :attempt,
    :status, :lease_owner, :lease_until, :due_at, :variables, :headers, :now);

-- name: job_get
SELECT * FROM jobs WHERE id = :id;

-- name: jobs_of_instance
SELECT * FROM jobs WHERE instance_id = :instance_id ORDER BY created_at, id;

-- name: job_claim_one
-- one job by id, whatever its due time, when it is ready or its lease ran out
UPDATE jobs
SET status = 'claimed', attempt = attempt + 1, lease_owner = :worker_id,
    lease_until = :lease_until
WHERE id = :id
  AND (status = 'ready' OR (status = 'claimed' AND lease_until <= :now))
RETURNING *;

-- name: job_claim
UPDATE jobs
SET status = 'claimed', attempt = attempt + 1, lease_owner = :worker_id,
    lease_until = :lease_until
WHERE id IN (
    SELECT id FROM (
        SELECT id, due_at AS t FROM jobs
        WHERE status = 'ready' AND type IN (SELECT value FROM json_each(:types))
          AND due_at <= :now
        UNION ALL
        SELECT id, lease_until AS t FROM jobs
        WHERE status = 'claimed' AND type IN (SELECT value FROM json_each(:types))
          AND lease_until <= :now
    )
    ORDER BY t, id
    LIMIT :limit
)
RETURNING *;

-- name: job_claim_type
-- job_claim for one type: each branch reads its partial index (type, time) in order and
-- stops after :limit rows (sorting only the ids of equal times), where the list of types
-- of job_claim has every claimable job of the types read and sorted at each claim
UPDATE jobs
SET status = 'claimed', attempt = attempt + 1, lease_owner = :worker_id,
    lease_until = :lease_until
WHERE id IN (
    SELECT id FROM (
        SELECT id, t FROM (
            SELECT id, due_at AS t FROM jobs
            WHERE status = 'ready' AND type = :type AND due_at <= :now
            ORDER BY due_at, id
            LIMIT :limit
        )
        UNION ALL
        SELECT id, t FROM (
            SELECT id, lease_until AS t FROM jobs
            WHERE status = 'claimed' AND type = :type AND lease_until <= :now
            ORDER BY lease_until, id
            LIMIT :limit
        )
    )
    ORDER BY t, id
    LIMIT :limit
)
RETURNING *;

-- name: job_complete
UPDATE jobs
SET status = 'completed', completed_at = :now, lease_owner = NULL, lease_until = NULL
WHERE id = :id AND attempt = :attempt AND status = 'claimed'
RETURNING id;

-- name: job_fail
UPDATE jobs
SET status = 'failed', retries = 0, error = :error, error_details = :details,
    lease_owner = NULL, lease_until = NULL
WHERE id = :id AND attempt = :attempt AND status = 'claimed'
RETURNING id;

-- name: job_extend_lease
UPDATE jobs SET lease_until = :lease_until
WHERE id = :id AND attempt = :attempt AND lease_owner = :worker_id AND status = 'claimed'
RETURNING id;

-- name: job_release_leases
UPDATE jobs SET status = 'ready', lease_owner = NULL, lease_until = NULL, due_at = :now
WHERE lease_owner = :worker_id AND status = 'claimed'
RETURNING id;

-- name: job_retry
UPDATE jobs SET status = 'ready', retries = :retries, due_at = :due_at
WHERE id = :id AND status = 'failed'
RETURNING id;

-- name: job_update
-- an operator's change: retries of an unfinished job, the lease of a claimed one
UPDATE jobs
SET retries = COALESCE(:retries, retries),
    lease_until = CASE WHEN status = 'claimed' AND :lease_until IS NOT NULL
                       THEN :lease_until ELSE lease_until END
WHERE id = :id AND status IN ('ready', 'claimed', 'failed')
RETURNING id;

-- name: job_cancel
UPDATE jobs
SET status = 'cancelled', completed_at = :now, lease_owner = NULL, lease_until = NULL
WHERE id = :id AND status IN ('ready', 'claimed', 'failed')
RETURNING id;

-- name: timer_insert
INSERT INTO timers (id, instance_id, element_id, element_instance_id, due_at, repeat,
    created_at)
VALUES (:id, :instance_id, :element_id, :element_instance_id, :due_at, :repeat, :now);

-- name: timer_get
SELECT * FROM timers WHERE id = :id;

-- name: timers_of_instance
SELECT * FROM timers WHERE instance_id = :instance_id ORDER BY due_at, id;

-- name: timer_take
DELETE FROM timers WHERE id = :id RETURNING *;

-- name: timer_due
SELECT * FROM timers WHERE due_at <= :now ORDER BY due_at, id LIMIT :limit;

-- name: timer_claim
UPDATE timers SET lease_owner = :worker_id, lease_until = :lease_until
WHERE id IN (
    SELECT id FROM timers
    WHERE due_at <= :now AND (lease_until IS NULL OR lease_until <= :now)
    ORDER BY due_at, id
    LIMIT :limit
)
RETURNING *;

-- name: timer_next_due
SELECT min(due_at) AS due_at FROM timers;

-- name: user_task_insert
INSERT INTO user_tasks (id, instance_id, element_id, element_instance_id, name, assignee,
    candidate_users, candidate_groups, due_at, follow_up_at, form_key, status, variables,
    created_at, priority)
VALUES (:id, :instance_id, :element_id, :element_instance_id, :name, :assignee,
    :candidate_users, :candidate_groups, :due_at, :follow_up_at, :form_key, 'open', :variables,
    :now, :priority);

-- name: user_task_get
SELECT * FROM user_tasks WHERE id = :id;

-- name: user_task_assign
UPDATE user_tasks SET assignee = :assignee WHERE id = :id AND status = 'open' RETURNING id;

-- name: user_task_complete
UPDATE user_tasks SET status = 'completed', completed_at = :now, completed_by = :by
WHERE id = :id AND status = 'open'
RETURNING id;

-- name: user_task_cancel
UPDATE user_tasks SET status = 'cancelled', completed_at = :now
WHERE id = :id AND status = 'open'
RETURNING id;

-- name: subscription_insert
INSERT INTO subscriptions (id, instance_id, kind, name, correlation_key, element_id,
    element_instance_id, created_at)
VALUES (:id, :instance_id, :kind, :name, :correlation_key, :element_id,
    :element_instance_id, :now);

-- name: subscription_delete
DELETE FROM subscriptions WHERE id = :id RETURNING id;

-- name: subscription_get
SELECT * FROM subscriptions WHERE id = :id;

-- name: subscription_signal
SELECT * FROM subscriptions WHERE kind = 'signal' AND name = :name ORDER BY created_at, id;

-- name: subscriptions_of_instance
SELECT * FROM subscriptions WHERE instance_id = :instance_id ORDER BY created_at, id;

-- name: message_insert
INSERT INTO buffered_messages (id, name, correlation_key, variables, published_at, expires_at)
VALUES (:id, :name, :correlation_key, :variables, :now, :expires_at)
RETURNING *;

-- name: message_get
SELECT * FROM buffered_messages WHERE id = :id;

-- name: message_purge
DELETE FROM buffered_messages
WHERE id IN (SELECT id FROM buffered_messages WHERE expires_at <= :now LIMIT :limit)
RETURNING id;

-- name: incident_insert
INSERT INTO incidents (id, instance_id, element_id, element_instance_id, job_id, message,
    created_at, error_type)
VALUES (:id, :instance_id, :element_id, :element_instance_id, :job_id, :message, :now,
    :error_type);

-- name: incident_get
SELECT * FROM incidents WHERE id = :id;

-- name: incident_resolve
UPDATE incidents SET resolved_at = :now WHERE id = :id AND resolved_at IS NULL RETURNING id;

-- name: history_head_set
-- the head of the instance's chain after an append, in the same transaction
INSERT INTO history_heads (instance_id, seq, hash) VALUES (:instance_id, :seq, :hash)
ON CONFLICT (instance_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash;

-- name: history_head_get
SELECT instance_id, seq, hash FROM history_heads WHERE instance_id = :instance_id;

-- name: history_heads_page
SELECT instance_id, seq, hash FROM history_heads
WHERE instance_id > :after
ORDER BY instance_id
LIMIT :limit;

-- name: history_last
SELECT seq, hash FROM history WHERE instance_id = :instance_id ORDER BY seq DESC LIMIT 1;

-- name: history_add
-- positional: one tuple per row, bound by executemany (cheaper than a dict per row); a row
-- holds the events of one command (schema 19): `events` is their JSON array, `seq` the
-- last one's
INSERT INTO history (instance_id, seq, ts, actor, command, events, hash)
VALUES (?, ?, ?, ?, ?, ?, ?);

-- name: history_ids
-- the rows just inserted: their events are numbered id * 4096 + i (see history_events)
SELECT id, seq, json_array_length(events) AS size FROM history
WHERE instance_id = :instance_id AND seq > :after_seq;

-- name: history_add_rows
-- the rows of one unit of work as one JSON array of arrays: [instance_id, seq, ts, actor,
-- command, events, hash]; unused here (history_add binds the hash's bytes): these would
-- keep the hex text, which reads back the same
INSERT INTO history (instance_id, seq, ts, actor, command, events, hash)
SELECT value ->> 0, value ->> 1, substr(value ->> 2, 1, 26) || 'Z', value ->> 3, value ->> 4,
    value -> 5, value ->> 6
FROM json_each(:rows)
ORDER BY key;

-- name: history_insert_rows
INSERT INTO history (instance_id, seq, ts, actor, command, events, hash)
SELECT value ->> 0, value ->> 1, substr(value ->> 2, 1, 26) || 'Z', value ->> 3, value ->> 4,
    value -> 5, value ->> 6
FROM json_each(:rows)
ORDER BY key
RETURNING id, seq, json_array_length(events) AS size;

-- name: history_of_instance
-- each row's events (in their order in the row: the rows come by the key, each one's
-- events in array order), with the hash of the row before (not stored)
SELECT h.id * 4096 + e.key AS id, h.instance_id,
    h.seq - json_array_length(h.events) + 1 + e.key AS seq, h.ts, e.value ->> 0 AS kind,
    e.value ->> 1 AS element_id, e.value ->> 2 AS element_instance_id, h.actor, h.command,
    e.value -> 3 AS data, h.hash, (
        SELECT p.hash FROM history p
        WHERE p.instance_id = h.instance_id AND p.seq < h.seq
        ORDER BY p.seq DESC LIMIT 1
    ) AS prev_hash
FROM history h, json_each(h.events) AS e
WHERE h.instance_id = :instance_id
ORDER BY h.seq;

-- name: history_page
-- the events of every instance after (instance, seq), found by the (instance_id, seq) key
SELECT h.id * 4096 + e.key AS id, h.instance_id,
    h.seq - json_array_length(h.events) + 1 + e.key AS seq, h.ts, e.value ->> 0 AS kind,
    e.value ->> 1 AS element_id, e.value ->> 2 AS element_instance_id, h.actor, h.command,
    e.value -> 3 AS data, h.hash, (
        SELECT p.hash FROM history p
        WHERE p.instance_id = h.instance_id AND p.seq < h.seq
        ORDER BY p.seq DESC LIMIT 1
    ) AS prev_hash
FROM history h, json_each(h.events) AS e
WHERE (h.instance_id > :after_instance OR (h.instance_id = :after_instance AND h.seq > :after_seq))
    AND (h.instance_id > :after_instance OR h.seq - json_array_length(h.events) + 1 + e.key > :after_seq)
ORDER BY h.instance_id, h.seq
LIMIT :limit;

-- Small reads for workers: the process and business key of their jobs' instances.

-- name: instance_keys
SELECT id, process_id, business_key FROM instances
WHERE id IN (SELECT value FROM json_each(:ids));

-- Timer leases handed back by a node that stops (only due timers are ever leased, so the
-- due-time index bounds the search).

-- name: timer_release_leases
UPDATE timers SET lease_owner = NULL, lease_until = NULL
WHERE due_at <= :now AND lease_owner = :worker_id;

-- An instance moved to another definition version (process instance migration).

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

-- Block numbers for ids (runtime/ids.py).

-- name: id_block_reserve
UPDATE id_blocks SET next = next + 1 WHERE id = 1 RETURNING next - 1 AS block;
