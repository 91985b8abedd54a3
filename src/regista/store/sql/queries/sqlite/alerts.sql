-- SLA targets and breaches, alert subscriptions and deliveries (AlertTransaction,
-- store/alerts.py). SLA deadlines are timers whose id starts with 'sla:'.

-- name: sla_targets_of
SELECT * FROM sla_targets WHERE definition_id = :definition_id ORDER BY element_id;

-- name: sla_targets_clear
DELETE FROM sla_targets WHERE definition_id = :definition_id;

-- name: sla_target_insert
INSERT INTO sla_targets (definition_id, element_id, seconds)
VALUES (:definition_id, :element_id, :seconds);

-- name: sla_breach_insert
INSERT INTO sla_breaches (id, instance_id, process_id, definition_id, element_id,
    element_instance_id, kind, started_at, due_at, breached_at)
VALUES (:id, :instance_id, :process_id, :definition_id, :element_id, :element_instance_id,
    :kind, :started_at, :due_at, :breached_at);

-- name: sla_breaches_page
SELECT * FROM sla_breaches
WHERE (breached_at > :after_at OR (breached_at = :after_at AND id > :after_id))
ORDER BY breached_at, id LIMIT :limit;

-- name: sla_breaches_of_process
SELECT * FROM sla_breaches
WHERE process_id = :process_id
  AND (breached_at > :after_at OR (breached_at = :after_at AND id > :after_id))
ORDER BY breached_at, id LIMIT :limit;

-- name: sla_breaches_of_instance
SELECT * FROM sla_breaches
WHERE instance_id = :instance_id
  AND (breached_at > :after_at OR (breached_at = :after_at AND id > :after_id))
ORDER BY breached_at, id LIMIT :limit;

-- name: sla_timers_open
SELECT * FROM timers
WHERE (due_at > :after_at OR (due_at = :after_at AND id > :after_id)) AND id LIKE 'sla:%'
ORDER BY due_at, id LIMIT :limit;

-- name: alert_subscription_insert
INSERT INTO alert_subscriptions (id, event_kind, channel, target, secret, created_at,
    created_by)
VALUES (:id, :event_kind, :channel, :target, :secret, :created_at, :created_by);

-- name: alert_subscriptions_all
SELECT * FROM alert_subscriptions ORDER BY event_kind, id;

-- name: alert_subscriptions_of
SELECT * FROM alert_subscriptions WHERE event_kind = :event_kind ORDER BY event_kind, id;

-- name: alert_subscription_delete
DELETE FROM alert_subscriptions WHERE id = :id;

-- name: alert_delivery_insert
INSERT INTO alert_deliveries (id, subscription_id, event_kind, channel, target, secret,
    payload, status, attempts, due_at, created_at)
VALUES (:id, :subscription_id, :event_kind, :channel, :target, :secret, :payload,
    'pending', 0, :due_at, :created_at);

-- A claimed delivery is due again when its lease runs out: a node that died while sending
-- loses nothing. `attempts` fences the report of a sender whose lease ran out.
-- name: alert_delivery_claim
UPDATE alert_deliveries
SET attempts = attempts + 1, due_at = :lease_until, lease_owner = :worker_id
WHERE id IN (
    SELECT id FROM alert_deliveries
    WHERE status = 'pending' AND due_at <= :now
    ORDER BY due_at, id
    LIMIT :limit
)
RETURNING *;

-- name: alert_delivery_done
UPDATE alert_deliveries
SET status = 'delivered', delivered_at = :now, lease_owner = NULL, last_error = NULL
WHERE id = :id AND attempts = :attempt AND status = 'pending';

-- name: alert_delivery_failed
UPDATE alert_deliveries
SET due_at = :due_at, lease_owner = NULL, last_error = :error
WHERE id = :id AND attempts = :attempt AND status = 'pending';

-- name: alert_deliveries_page
SELECT * FROM alert_deliveries
WHERE (created_at > :after_at OR (created_at = :after_at AND id > :after_id))
ORDER BY created_at, id LIMIT :limit;

-- name: alert_delivery_next_due
SELECT min(due_at) AS due_at FROM alert_deliveries WHERE status = 'pending';

-- name: alert_deliveries_purge
DELETE FROM alert_deliveries WHERE status = 'delivered' AND delivered_at < :before;
