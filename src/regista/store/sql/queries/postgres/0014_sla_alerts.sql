-- Regista schema 14 (PostgreSQL): SLA targets set through the API, SLA breaches, and alerts —
-- subscriptions per event kind and the outbox of their deliveries (kept until delivered).
-- SLA deadlines themselves are timer rows whose id starts with 'sla:' (runtime/sla.py).

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
