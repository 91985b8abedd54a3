-- The current Regista schema (SQLite) in one piece, for fresh installs. Keep it equal to the
-- migrations applied in order (tests/integration/store checks). Timestamps are ISO 8601 UTC
-- text with microseconds and a trailing Z (fixed width, so text order is time order); JSON
-- columns hold JSON text. No foreign keys: related rows are written in one transaction.

CREATE TABLE schema_version (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TEXT NOT NULL
);

CREATE TABLE nodes (
    id            TEXT PRIMARY KEY,
    hostname      TEXT NOT NULL,
    pid           INTEGER NOT NULL,
    started_at    TEXT NOT NULL,
    heartbeat_at  TEXT NOT NULL
);

CREATE TABLE definitions (
    id             TEXT PRIMARY KEY,
    process_id     TEXT NOT NULL,
    version        INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    source         TEXT NOT NULL,
    resource_name  TEXT,
    deployed_at    TEXT NOT NULL,
    trust          TEXT NOT NULL DEFAULT 'untrusted',
    deployed_by    TEXT,
    UNIQUE (process_id, version)
);

CREATE TABLE instances (
    id                          TEXT PRIMARY KEY,
    definition_id               TEXT NOT NULL,
    process_id                  TEXT NOT NULL,
    business_key                TEXT,
    status                      TEXT NOT NULL,
    state                       TEXT NOT NULL,
    version                     INTEGER NOT NULL,
    parent_instance_id          TEXT,
    parent_element_instance_id  TEXT,
    idempotency_key             TEXT UNIQUE,
    started_at                  TEXT NOT NULL,
    ended_at                    TEXT,
    updated_at                  TEXT NOT NULL
);
CREATE INDEX instances_process_key ON instances (process_id, business_key);
CREATE INDEX instances_business_key ON instances (business_key) WHERE business_key IS NOT NULL;
CREATE INDEX instances_started ON instances (started_at, id);
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

CREATE TABLE jobs (
    id                   TEXT PRIMARY KEY,
    instance_id          TEXT NOT NULL,
    element_id           TEXT NOT NULL,
    element_instance_id  TEXT NOT NULL,
    type                 TEXT NOT NULL,
    retries              INTEGER NOT NULL,
    attempt              INTEGER NOT NULL DEFAULT 0,
    status               TEXT NOT NULL
        CHECK (status IN ('ready', 'claimed', 'completed', 'failed', 'cancelled')),
    lease_owner          TEXT,
    lease_until          TEXT,
    due_at               TEXT NOT NULL,
    variables            TEXT NOT NULL,
    headers              TEXT NOT NULL,
    error                TEXT,
    created_at           TEXT NOT NULL,
    completed_at         TEXT,
    error_details        TEXT
);
CREATE INDEX jobs_ready ON jobs (type, due_at) WHERE status = 'ready';
CREATE INDEX jobs_leased ON jobs (type, lease_until) WHERE status = 'claimed';
CREATE INDEX jobs_instance ON jobs (instance_id, id);
CREATE INDEX jobs_type_key ON jobs (type, id);
CREATE INDEX jobs_status_key ON jobs (status, id);

CREATE TABLE timers (
    id                   TEXT PRIMARY KEY,
    instance_id          TEXT NOT NULL,
    element_id           TEXT NOT NULL,
    element_instance_id  TEXT NOT NULL,
    due_at               TEXT NOT NULL,
    repeat               TEXT,
    lease_owner          TEXT,
    lease_until          TEXT,
    created_at           TEXT NOT NULL
);
CREATE INDEX timers_due ON timers (due_at);
CREATE INDEX timers_instance ON timers (instance_id);

CREATE TABLE user_tasks (
    id                   TEXT PRIMARY KEY,
    instance_id          TEXT NOT NULL,
    element_id           TEXT NOT NULL,
    element_instance_id  TEXT NOT NULL,
    name                 TEXT,
    assignee             TEXT,
    candidate_users      TEXT NOT NULL,
    candidate_groups     TEXT NOT NULL,
    due_at               TEXT,
    follow_up_at         TEXT,
    form_key             TEXT,
    status               TEXT NOT NULL CHECK (status IN ('open', 'completed', 'cancelled')),
    variables            TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    completed_at         TEXT,
    completed_by         TEXT,
    priority             INTEGER NOT NULL DEFAULT 50
);
CREATE INDEX user_tasks_open_assignee ON user_tasks (assignee) WHERE status = 'open';
CREATE INDEX user_tasks_instance ON user_tasks (instance_id, created_at, id);
CREATE INDEX user_tasks_status_created ON user_tasks (status, created_at, id);
CREATE INDEX user_tasks_status_priority ON user_tasks (status, priority, id);
CREATE INDEX user_tasks_status_due ON user_tasks (status, COALESCE(due_at, ''), id);
CREATE INDEX user_tasks_status_follow_up ON user_tasks (status, COALESCE(follow_up_at, ''), id);
CREATE INDEX user_tasks_status_completed ON user_tasks (status, COALESCE(completed_at, ''), id);
CREATE INDEX user_tasks_status_name ON user_tasks (status, COALESCE(name, ''), id);

-- correlation_key '' stands for "no key" so that equality and the index work alike
CREATE TABLE subscriptions (
    id                   TEXT PRIMARY KEY,
    instance_id          TEXT NOT NULL,
    kind                 TEXT NOT NULL CHECK (kind IN ('message', 'signal')),
    name                 TEXT NOT NULL,
    correlation_key      TEXT NOT NULL,
    element_id           TEXT NOT NULL,
    element_instance_id  TEXT NOT NULL,
    created_at           TEXT NOT NULL
);
CREATE INDEX subscriptions_lookup ON subscriptions (kind, name, correlation_key, created_at);
CREATE INDEX subscriptions_instance ON subscriptions (instance_id);

CREATE TABLE buffered_messages (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    correlation_key  TEXT NOT NULL,
    variables        TEXT NOT NULL,
    published_at     TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    consumed_by      TEXT,
    consumed_at      TEXT
);
CREATE INDEX buffered_messages_lookup ON buffered_messages (name, correlation_key, published_at)
    WHERE consumed_by IS NULL;
CREATE INDEX buffered_messages_expiry ON buffered_messages (expires_at);

CREATE TABLE incidents (
    id                   TEXT PRIMARY KEY,
    instance_id          TEXT NOT NULL,
    element_id           TEXT,
    element_instance_id  TEXT,
    job_id               TEXT,
    message              TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    resolved_at          TEXT,
    error_type           TEXT NOT NULL DEFAULT 'UNKNOWN'
);
CREATE INDEX incidents_created ON incidents (created_at, id);
CREATE INDEX incidents_instance ON incidents (instance_id, created_at, id);
CREATE INDEX incidents_open ON incidents (created_at, id) WHERE resolved_at IS NULL;

-- One row per command (schema 19): the events one unit of work appends with the same time,
-- actor and command, as a JSON array of [kind, element_id, element_instance_id, data];
-- `seq` is the last event's and the hash chain links rows (store/chain.py). `hash` holds
-- the 32 bytes of the SHA-256 (a BLOB; hex text in rows written before schema 18); the
-- previous hash is the hash of the row before, not stored.
CREATE TABLE history (
    id                   INTEGER PRIMARY KEY,
    instance_id          TEXT NOT NULL,
    seq                  INTEGER NOT NULL,
    ts                   TEXT NOT NULL,
    actor                TEXT,
    command              TEXT,
    events               TEXT NOT NULL,
    hash                 TEXT NOT NULL,
    UNIQUE (instance_id, seq)
);

-- The rows read as events (the events of row `id` are numbered id * 4096 + i), for the
-- queries that look at events.
CREATE VIEW history_events AS
SELECT h.id * 4096 + e.key AS id, h.instance_id,
    h.seq - json_array_length(h.events) + 1 + e.key AS seq, h.ts, e.value ->> 0 AS kind,
    e.value ->> 1 AS element_id, e.value ->> 2 AS element_instance_id, h.actor, h.command,
    e.value -> 3 AS data, h.hash
FROM history AS h, json_each(h.events) AS e;

-- The head of each instance's history chain, kept by the code that appends the history
-- (`hash` as in history).
CREATE TABLE history_heads (
    instance_id  TEXT PRIMARY KEY,
    seq          INTEGER NOT NULL,
    hash         TEXT NOT NULL
);

CREATE TABLE users (
    username       TEXT PRIMARY KEY,
    name           TEXT,
    email          TEXT,
    password_hash  TEXT NOT NULL,
    roles          TEXT NOT NULL,
    enabled        INTEGER NOT NULL,
    created_at     TEXT NOT NULL
);

CREATE TABLE user_groups (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    description  TEXT,
    roles        TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE group_members (
    group_id  TEXT NOT NULL,
    username  TEXT NOT NULL,
    PRIMARY KEY (group_id, username)
);
CREATE INDEX group_members_user ON group_members (username);

CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    prefix        TEXT NOT NULL,
    secret_hash   TEXT NOT NULL,
    username      TEXT NOT NULL,
    roles         TEXT,
    name          TEXT,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT
);
CREATE INDEX api_keys_user ON api_keys (username);

-- block numbers for ids (runtime/ids.py): a counter that only grows
CREATE TABLE id_blocks (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    next  INTEGER NOT NULL
);
INSERT INTO id_blocks (id, next) VALUES (1, 1);

-- messageId of published messages, refused again while the first one lives (its TTL)
CREATE TABLE message_ids (
    name             TEXT NOT NULL,
    correlation_key  TEXT NOT NULL,
    message_id       TEXT NOT NULL,
    message_key      TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    PRIMARY KEY (name, correlation_key, message_id)
);
CREATE INDEX message_ids_expiry ON message_ids (expires_at);

-- what is configured on the database itself (the trusted-deploy key's hash, ...)
CREATE TABLE settings (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- deployments: one per deploy call, with the definition versions it holds (new or kept)
CREATE TABLE deployments (
    id           TEXT PRIMARY KEY,
    name         TEXT,
    source       TEXT,
    deployed_at  TEXT NOT NULL,
    deployed_by  TEXT
);
CREATE INDEX deployments_time ON deployments (deployed_at, id);

CREATE TABLE deployment_definitions (
    deployment_id  TEXT NOT NULL,
    definition_id  TEXT NOT NULL,
    created        INTEGER NOT NULL,
    PRIMARY KEY (deployment_id, definition_id)
);
CREATE INDEX deployment_definitions_definition ON deployment_definitions (definition_id);

-- event logs imported from other systems (regista log import); ts in epoch seconds
CREATE TABLE event_logs (
    name         TEXT PRIMARY KEY,
    source       TEXT NOT NULL,
    format       TEXT NOT NULL,
    events       INTEGER NOT NULL,
    cases        INTEGER NOT NULL,
    imported_at  TEXT NOT NULL
);

CREATE TABLE event_log_events (
    log_name   TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    case_id    TEXT NOT NULL,
    activity   TEXT NOT NULL,
    ts         REAL NOT NULL,
    lifecycle  TEXT NOT NULL,
    resource   TEXT,
    PRIMARY KEY (log_name, seq)
);
CREATE INDEX event_log_events_case ON event_log_events (log_name, case_id, ts);

-- the current value of every variable, one row per scope and name, kept with the state
CREATE TABLE variables (
    scope_id      TEXT NOT NULL,
    name          TEXT NOT NULL,
    instance_id   TEXT NOT NULL,
    variable_key  INTEGER NOT NULL,
    value         TEXT NOT NULL,
    value_text    TEXT,
    value_number  REAL,
    PRIMARY KEY (scope_id, name)
) WITHOUT ROWID;
CREATE INDEX variables_key ON variables (variable_key);
CREATE INDEX variables_name ON variables (name, variable_key);
CREATE INDEX variables_instance ON variables (instance_id, variable_key);
CREATE INDEX variables_scope ON variables (scope_id, variable_key);

-- the decisions the engine evaluated, one row per decision of each evaluation
CREATE TABLE decision_instances (
    key                     TEXT PRIMARY KEY,
    evaluation_key          TEXT NOT NULL,
    decision_id             TEXT NOT NULL,
    decision_name           TEXT NOT NULL,
    decision_type           TEXT NOT NULL,
    definition_key          TEXT,
    version                 INTEGER,
    instance_id             TEXT,
    element_instance_id     TEXT,
    process_definition_key  TEXT,
    evaluated_at            TEXT NOT NULL,
    state                   TEXT NOT NULL,
    failure                 TEXT,
    result                  TEXT NOT NULL,
    inputs                  TEXT NOT NULL,
    rules                   TEXT NOT NULL
);
CREATE INDEX decision_instances_decision ON decision_instances (decision_id, key);
CREATE INDEX decision_instances_definition ON decision_instances (definition_key, key);
CREATE INDEX decision_instances_instance ON decision_instances (instance_id, key)
    WHERE instance_id IS NOT NULL;

CREATE TABLE sla_targets (
    definition_id  TEXT NOT NULL,
    element_id     TEXT NOT NULL,
    seconds        REAL NOT NULL,
    PRIMARY KEY (definition_id, element_id)
);

CREATE TABLE sla_breaches (
    id                   TEXT PRIMARY KEY,
    instance_id          TEXT NOT NULL,
    process_id           TEXT NOT NULL,
    definition_id        TEXT NOT NULL,
    element_id           TEXT NOT NULL,
    element_instance_id  TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    started_at           TEXT NOT NULL,
    due_at               TEXT NOT NULL,
    breached_at          TEXT NOT NULL
);
CREATE INDEX sla_breaches_breached ON sla_breaches (breached_at, id);
CREATE INDEX sla_breaches_process ON sla_breaches (process_id, breached_at, id);
CREATE INDEX sla_breaches_instance ON sla_breaches (instance_id, breached_at, id);

CREATE TABLE alert_subscriptions (
    id          TEXT PRIMARY KEY,
    event_kind  TEXT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
    target      TEXT NOT NULL,
    secret      TEXT,
    created_at  TEXT NOT NULL,
    created_by  TEXT
);
CREATE INDEX alert_subscriptions_kind ON alert_subscriptions (event_kind, id);

CREATE TABLE alert_deliveries (
    id               TEXT PRIMARY KEY,
    subscription_id  TEXT NOT NULL,
    event_kind       TEXT NOT NULL,
    channel          TEXT NOT NULL,
    target           TEXT NOT NULL,
    secret           TEXT,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered')),
    attempts         INTEGER NOT NULL,
    due_at           TEXT NOT NULL,
    lease_owner      TEXT,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    delivered_at     TEXT
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (status, due_at, id);
CREATE INDEX alert_deliveries_created ON alert_deliveries (created_at, id);
-- one row per element instance, kept by the code that appends the history (store/sql/
-- steprows.py) in the same transaction: what process intelligence reads instead of the
-- events. Times are epoch seconds; `started` is NULL until a worker locked the job or a
-- person claimed the task; `rep` is the element's n-th execution in its instance. Rows are
-- kept in the order of process, start of their case, case and place in it, so that an
-- analysis of one process (and a window of time) reads one range of the table, each case
-- in the order of its path, and its windows over the cases need no sort.
CREATE TABLE steps (
    instance_id          TEXT NOT NULL,
    element_instance_id  TEXT NOT NULL,
    definition_id        TEXT NOT NULL,
    process_id           TEXT NOT NULL,
    version              INTEGER NOT NULL,
    case_start           REAL NOT NULL,
    element_id           TEXT NOT NULL,
    element_type         TEXT,
    flow                 TEXT,
    ord                  INTEGER NOT NULL,
    rep                  INTEGER NOT NULL,
    scheduled            REAL NOT NULL,
    started              REAL,
    ended                REAL,
    state                TEXT NOT NULL,
    worker               TEXT,
    resource             TEXT,
    error_code           TEXT,
    PRIMARY KEY (process_id, case_start, instance_id, ord)
) WITHOUT ROWID;
CREATE INDEX steps_element ON steps (instance_id, element_id);
-- per definition and element, the element events of its instances' history (activated,
-- completed, terminated), kept by the unit of work that appends the history, in the same
-- transaction (store/sql/statistics.py); retention takes away what it prunes and an
-- instance migrated to another definition takes its counts along. `shard` spreads the
-- writes of concurrent units of work over several rows (PostgreSQL, many nodes): a count
-- is the sum over the shards, and a shard may go negative.
CREATE TABLE element_counts (
    definition_id  TEXT NOT NULL,
    element_id     TEXT NOT NULL,
    shard          INTEGER NOT NULL,
    activated      INTEGER NOT NULL,
    completed      INTEGER NOT NULL,
    terminated     INTEGER NOT NULL,
    PRIMARY KEY (definition_id, element_id, shard)
) WITHOUT ROWID;
