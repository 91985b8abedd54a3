-- The current Regista schema (PostgreSQL) in one piece, for fresh installs. Keep it equal to
-- the migrations applied in order (tests/integration/store checks). Timestamps are
-- timestamptz; JSON columns are jsonb. No foreign keys: related rows are written in one
-- transaction.

CREATE TABLE schema_version (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL
);

CREATE TABLE nodes (
    id            text PRIMARY KEY,
    hostname      text NOT NULL,
    pid           integer NOT NULL,
    started_at    timestamptz NOT NULL,
    heartbeat_at  timestamptz NOT NULL
);

CREATE TABLE definitions (
    id             text PRIMARY KEY,
    process_id     text NOT NULL,
    version        integer NOT NULL,
    sha256         text NOT NULL,
    source         text NOT NULL,
    resource_name  text,
    deployed_at    timestamptz NOT NULL,
    trust          text NOT NULL DEFAULT 'untrusted',
    deployed_by    text,
    UNIQUE (process_id, version)
);

CREATE TABLE instances (
    id                          text PRIMARY KEY,
    definition_id               text NOT NULL,
    process_id                  text NOT NULL,
    business_key                text,
    status                      text NOT NULL,
    state                       jsonb NOT NULL,
    version                     integer NOT NULL,
    parent_instance_id          text,
    parent_element_instance_id  text,
    idempotency_key             text UNIQUE,
    started_at                  timestamptz NOT NULL,
    ended_at                    timestamptz,
    updated_at                  timestamptz NOT NULL
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
    id                   text PRIMARY KEY,
    instance_id          text NOT NULL,
    element_id           text NOT NULL,
    element_instance_id  text NOT NULL,
    type                 text NOT NULL,
    retries              integer NOT NULL,
    attempt              integer NOT NULL DEFAULT 0,
    status               text NOT NULL
        CHECK (status IN ('ready', 'claimed', 'completed', 'failed', 'cancelled')),
    lease_owner          text,
    lease_until          timestamptz,
    due_at               timestamptz NOT NULL,
    variables            jsonb NOT NULL,
    headers              jsonb NOT NULL,
    error                text,
    created_at           timestamptz NOT NULL,
    completed_at         timestamptz,
    error_details        text
);
CREATE INDEX jobs_ready ON jobs (type, due_at) WHERE status = 'ready';
CREATE INDEX jobs_leased ON jobs (type, lease_until) WHERE status = 'claimed';
CREATE INDEX jobs_instance ON jobs (instance_id, id);
CREATE INDEX jobs_type_key ON jobs (type, id);
CREATE INDEX jobs_status_key ON jobs (status, id);

CREATE TABLE timers (
    id                   text PRIMARY KEY,
    instance_id          text NOT NULL,
    element_id           text NOT NULL,
    element_instance_id  text NOT NULL,
    due_at               timestamptz NOT NULL,
    repeat               text,
    lease_owner          text,
    lease_until          timestamptz,
    created_at           timestamptz NOT NULL
);
CREATE INDEX timers_due ON timers (due_at);
CREATE INDEX timers_instance ON timers (instance_id);

CREATE TABLE user_tasks (
    id                   text PRIMARY KEY,
    instance_id          text NOT NULL,
    element_id           text NOT NULL,
    element_instance_id  text NOT NULL,
    name                 text,
    assignee             text,
    candidate_users      jsonb NOT NULL,
    candidate_groups     jsonb NOT NULL,
    due_at               timestamptz,
    follow_up_at         timestamptz,
    form_key             text,
    status               text NOT NULL CHECK (status IN ('open', 'completed', 'cancelled')),
    variables            jsonb NOT NULL,
    created_at           timestamptz NOT NULL,
    completed_at         timestamptz,
    completed_by         text,
    priority             integer NOT NULL DEFAULT 50
);
CREATE INDEX user_tasks_open_assignee ON user_tasks (assignee) WHERE status = 'open';
CREATE INDEX user_tasks_instance ON user_tasks (instance_id, created_at, id);
CREATE INDEX user_tasks_status_created ON user_tasks (status, created_at, id);
CREATE INDEX user_tasks_status_priority ON user_tasks (status, priority, id);
CREATE INDEX user_tasks_status_due ON user_tasks (status, COALESCE(due_at, '0002-01-01 00:00:00+00'::timestamptz), id);
CREATE INDEX user_tasks_status_follow_up ON user_tasks (status, COALESCE(follow_up_at, '0002-01-01 00:00:00+00'::timestamptz), id);
CREATE INDEX user_tasks_status_completed ON user_tasks (status, COALESCE(completed_at, '0002-01-01 00:00:00+00'::timestamptz), id);
CREATE INDEX user_tasks_status_name ON user_tasks (status, (COALESCE(name, '') COLLATE "C"), id);

-- correlation_key '' stands for "no key" so that equality and the index work alike
CREATE TABLE subscriptions (
    id                   text PRIMARY KEY,
    instance_id          text NOT NULL,
    kind                 text NOT NULL CHECK (kind IN ('message', 'signal')),
    name                 text NOT NULL,
    correlation_key      text NOT NULL,
    element_id           text NOT NULL,
    element_instance_id  text NOT NULL,
    created_at           timestamptz NOT NULL
);
CREATE INDEX subscriptions_lookup ON subscriptions (kind, name, correlation_key, created_at);
CREATE INDEX subscriptions_instance ON subscriptions (instance_id);

CREATE TABLE buffered_messages (
    id               text PRIMARY KEY,
    name             text NOT NULL,
    correlation_key  text NOT NULL,
    variables        jsonb NOT NULL,
    published_at     timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    consumed_by      text,
    consumed_at      timestamptz
);
CREATE INDEX buffered_messages_lookup ON buffered_messages (name, correlation_key, published_at)
    WHERE consumed_by IS NULL;
CREATE INDEX buffered_messages_expiry ON buffered_messages (expires_at);

CREATE TABLE incidents (
    id                   text PRIMARY KEY,
    instance_id          text NOT NULL,
    element_id           text,
    element_instance_id  text,
    job_id               text,
    message              text NOT NULL,
    created_at           timestamptz NOT NULL,
    resolved_at          timestamptz,
    error_type           text NOT NULL DEFAULT 'UNKNOWN'
);
CREATE INDEX incidents_created ON incidents (created_at, id);
CREATE INDEX incidents_instance ON incidents (instance_id, created_at, id);
CREATE INDEX incidents_open ON incidents (created_at, id) WHERE resolved_at IS NULL;

-- One row per command (schema 19): the events one unit of work appends with the same time,
-- actor and command, as a JSON array of [kind, element_id, element_instance_id, data]
-- (json: the text as written, smaller than jsonb); `seq` is the last event's and the hash
-- chain links rows (store/chain.py). The previous hash is the hash of the row before, not
-- stored.
CREATE TABLE history (
    id                   bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    instance_id          text NOT NULL,
    seq                  integer NOT NULL,
    ts                   timestamptz NOT NULL,
    actor                text,
    command              text,
    events               json NOT NULL,
    hash                 bytea NOT NULL,
    UNIQUE (instance_id, seq)
);

-- The rows read as events (the events of row `id` are numbered id * 4096 + i), for the
-- queries that look at events.
CREATE VIEW history_events AS
SELECT h.id * 4096 + e.n - 1 AS id, h.instance_id,
    h.seq - json_array_length(h.events) + e.n::integer AS seq, h.ts, e.v ->> 0 AS kind,
    e.v ->> 1 AS element_id, e.v ->> 2 AS element_instance_id, h.actor, h.command,
    (e.v -> 3)::jsonb AS data, h.hash
FROM history AS h CROSS JOIN LATERAL json_array_elements(h.events) WITH ORDINALITY AS e (v, n);

-- The head of each instance's history chain, kept by the code that appends the history.
CREATE TABLE history_heads (
    instance_id  text PRIMARY KEY,
    seq          integer NOT NULL,
    hash         bytea NOT NULL
);

CREATE TABLE users (
    username       text PRIMARY KEY,
    name           text,
    email          text,
    password_hash  text NOT NULL,
    roles          jsonb NOT NULL,
    enabled        boolean NOT NULL,
    created_at     timestamptz NOT NULL
);

CREATE TABLE user_groups (
    id           text PRIMARY KEY,
    name         text NOT NULL,
    description  text,
    roles        jsonb NOT NULL,
    created_at   timestamptz NOT NULL
);

CREATE TABLE group_members (
    group_id  text NOT NULL,
    username  text NOT NULL,
    PRIMARY KEY (group_id, username)
);
CREATE INDEX group_members_user ON group_members (username);

CREATE TABLE api_keys (
    id            text PRIMARY KEY,
    prefix        text NOT NULL,
    secret_hash   text NOT NULL,
    username      text NOT NULL,
    roles         jsonb,
    name          text,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_keys_user ON api_keys (username);

-- block numbers for ids (runtime/ids.py): a sequence that only grows
CREATE SEQUENCE id_blocks START 1;

-- messageId of published messages, refused again while the first one lives (its TTL)
CREATE TABLE message_ids (
    name             text NOT NULL,
    correlation_key  text NOT NULL,
    message_id       text NOT NULL,
    message_key      text NOT NULL,
    expires_at       timestamptz NOT NULL,
    PRIMARY KEY (name, correlation_key, message_id)
);
CREATE INDEX message_ids_expiry ON message_ids (expires_at);

-- what is configured on the database itself (the trusted-deploy key's hash, ...)
CREATE TABLE settings (
    name        text PRIMARY KEY,
    value       text NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- deployments: one per deploy call, with the definition versions it holds (new or kept)
CREATE TABLE deployments (
    id           text PRIMARY KEY,
    name         text,
    source       text,
    deployed_at  timestamptz NOT NULL,
    deployed_by  text
);
CREATE INDEX deployments_time ON deployments (deployed_at, id);

CREATE TABLE deployment_definitions (
    deployment_id  text NOT NULL,
    definition_id  text NOT NULL,
    created        boolean NOT NULL,
    PRIMARY KEY (deployment_id, definition_id)
);
CREATE INDEX deployment_definitions_definition ON deployment_definitions (definition_id);

-- event logs imported from other systems (regista log import); ts in epoch seconds
CREATE TABLE event_logs (
    name         text PRIMARY KEY,
    source       text NOT NULL,
    format       text NOT NULL,
    events       bigint NOT NULL,
    cases        bigint NOT NULL,
    imported_at  timestamptz NOT NULL
);

CREATE TABLE event_log_events (
    log_name   text NOT NULL,
    seq        bigint NOT NULL,
    case_id    text NOT NULL,
    activity   text NOT NULL,
    ts         double precision NOT NULL,
    lifecycle  text NOT NULL,
    resource   text,
    PRIMARY KEY (log_name, seq)
);
CREATE INDEX event_log_events_case ON event_log_events (log_name, case_id, ts);

-- the current value of every variable, one row per scope and name, kept with the state
CREATE TABLE variables (
    scope_id      text NOT NULL,
    name          text NOT NULL,
    instance_id   text NOT NULL,
    variable_key  bigint NOT NULL,
    value         text NOT NULL,
    value_text    text,
    value_number  double precision,
    PRIMARY KEY (scope_id, name)
);
CREATE INDEX variables_key ON variables (variable_key);
CREATE INDEX variables_name ON variables (name, variable_key);
CREATE INDEX variables_instance ON variables (instance_id, variable_key);
CREATE INDEX variables_scope ON variables (scope_id, variable_key);

-- the decisions the engine evaluated, one row per decision of each evaluation
CREATE TABLE decision_instances (
    key                     text PRIMARY KEY,
    evaluation_key          text NOT NULL,
    decision_id             text NOT NULL,
    decision_name           text NOT NULL,
    decision_type           text NOT NULL,
    definition_key          text,
    version                 integer,
    instance_id             text,
    element_instance_id     text,
    process_definition_key  text,
    evaluated_at            timestamptz NOT NULL,
    state                   text NOT NULL,
    failure                 text,
    result                  text NOT NULL,
    inputs                  text NOT NULL,
    rules                   text NOT NULL
);
CREATE INDEX decision_instances_decision ON decision_instances (decision_id, key);
CREATE INDEX decision_instances_definition ON decision_instances (definition_key, key);
CREATE INDEX decision_instances_instance ON decision_instances (instance_id, key)
    WHERE instance_id IS NOT NULL;

CREATE TABLE sla_targets (
    definition_id  text NOT NULL,
    element_id     text NOT NULL,
    seconds        double precision NOT NULL,
    PRIMARY KEY (definition_id, element_id)
);

CREATE TABLE sla_breaches (
    id                   text PRIMARY KEY,
    instance_id          text NOT NULL,
    process_id           text NOT NULL,
    definition_id        text NOT NULL,
    element_id           text NOT NULL,
    element_instance_id  text NOT NULL,
    kind                 text NOT NULL,
    started_at           timestamptz NOT NULL,
    due_at               timestamptz NOT NULL,
    breached_at          timestamptz NOT NULL
);
CREATE INDEX sla_breaches_breached ON sla_breaches (breached_at, id);
CREATE INDEX sla_breaches_process ON sla_breaches (process_id, breached_at, id);
CREATE INDEX sla_breaches_instance ON sla_breaches (instance_id, breached_at, id);

CREATE TABLE alert_subscriptions (
    id          text PRIMARY KEY,
    event_kind  text NOT NULL,
    channel     text NOT NULL CHECK (channel IN ('webhook', 'email')),
    target      text NOT NULL,
    secret      text,
    created_at  timestamptz NOT NULL,
    created_by  text
);
CREATE INDEX alert_subscriptions_kind ON alert_subscriptions (event_kind, id);

CREATE TABLE alert_deliveries (
    id               text PRIMARY KEY,
    subscription_id  text NOT NULL,
    event_kind       text NOT NULL,
    channel          text NOT NULL,
    target           text NOT NULL,
    secret           text,
    payload          jsonb NOT NULL,
    status           text NOT NULL CHECK (status IN ('pending', 'delivered')),
    attempts         integer NOT NULL,
    due_at           timestamptz NOT NULL,
    lease_owner      text,
    last_error       text,
    created_at       timestamptz NOT NULL,
    delivered_at     timestamptz
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (status, due_at, id);
CREATE INDEX alert_deliveries_created ON alert_deliveries (created_at, id);
-- one row per element instance, kept by the code that appends the history (store/sql/
-- steprows.py) in the same transaction: what process intelligence reads instead of the
-- events. Times are epoch seconds; `started` is NULL until a worker locked the job or a
-- person claimed the task; `rep` is the element's n-th execution in its instance. Ids
-- compare byte by byte ("C"): analyses group and sort by them, and ids have no language.
CREATE TABLE steps (
    instance_id          text COLLATE "C" NOT NULL,
    element_instance_id  text COLLATE "C" NOT NULL,
    definition_id        text COLLATE "C" NOT NULL,
    process_id           text COLLATE "C" NOT NULL,
    version              integer NOT NULL,
    case_start           double precision NOT NULL,
    element_id           text COLLATE "C" NOT NULL,
    element_type         text,
    flow                 text,
    ord                  integer NOT NULL,
    rep                  integer NOT NULL,
    scheduled            double precision NOT NULL,
    started              double precision,
    ended                double precision,
    state                text NOT NULL,
    worker               text,
    resource             text,
    error_code           text,
    PRIMARY KEY (instance_id, element_instance_id)
);
CREATE INDEX steps_process ON steps (process_id, case_start);
-- per definition and element, the element events of its instances' history (activated,
-- completed, terminated), kept by the unit of work that appends the history, in the same
-- transaction (store/sql/statistics.py); retention takes away what it prunes and an
-- instance migrated to another definition takes its counts along. `shard` spreads the
-- writes of concurrent units of work (many nodes) over several rows, so that they seldom
-- wait for one another's row lock: a count is the sum over the shards, and a shard may go
-- negative.
CREATE TABLE element_counts (
    definition_id  text COLLATE "C" NOT NULL,
    element_id     text COLLATE "C" NOT NULL,
    shard          integer NOT NULL,
    activated      bigint NOT NULL,
    completed      bigint NOT NULL,
    terminated     bigint NOT NULL,
    PRIMARY KEY (definition_id, element_id, shard)
);
