-- Message correlation beyond exact keys (regista/store/correlation.py): a subscription
-- without a correlation key ('' stands for none) takes a message of its name whatever the
-- message's key, and a message without a key reaches any subscription of its name.
-- Publisher and subscriber lock the name (shared when they have a key, exclusive when they
-- have none) and then the name and key (exclusive), so exactly those that can match each
-- other are serialized: keyed traffic on different keys still runs in parallel.

-- name: lock_shared
SELECT pg_advisory_xact_lock_shared(hashtextextended(:lock, 0));

-- name: lock_exclusive
SELECT pg_advisory_xact_lock(hashtextextended(:lock, 0));

-- name: subscription_match_key
SELECT * FROM subscriptions
WHERE kind = 'message' AND name = :name AND correlation_key IN (:correlation_key, '')
ORDER BY created_at, id
LIMIT 1;

-- name: subscription_match_any
SELECT * FROM subscriptions
WHERE kind = 'message' AND name = :name
ORDER BY created_at, id
LIMIT 1;

-- name: message_take_key
UPDATE buffered_messages SET consumed_by = :consumer, consumed_at = :now
WHERE consumed_by IS NULL AND id = (
    SELECT id FROM buffered_messages
    WHERE name = :name AND correlation_key IN (:correlation_key, '') AND consumed_by IS NULL
      AND expires_at > :now
    ORDER BY published_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
RETURNING *;

-- name: message_take_any
UPDATE buffered_messages SET consumed_by = :consumer, consumed_at = :now
WHERE consumed_by IS NULL AND id = (
    SELECT id FROM buffered_messages
    WHERE name = :name AND consumed_by IS NULL AND expires_at > :now
    ORDER BY published_at, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
RETURNING *;
