-- Regista schema 14 (SQLite): SLA targets set through the API, SLA breaches, and alerts —
-- subscriptions per event kind and the outbox of their deliveries (kept until delivered).
-- SLA deadlines themselves are timer rows whose id starts with 'sla:' (runtime/sla.py).

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
