-- Message correlation beyond exact keys (regista/store/correlation.py): a subscription
-- without a correlation key ('' stands for none) takes a message of its name whatever the
-- message's key, and a message without a key reaches any subscription of its name.
-- SQLite runs one writer at a time, so it needs none of PostgreSQL's advisory locks.

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
)
RETURNING *;

-- name: message_take_any
UPDATE buffered_messages SET consumed_by = :consumer, consumed_at = :now
WHERE consumed_by IS NULL AND id = (
    SELECT id FROM buffered_messages
    WHERE name = :name AND consumed_by IS NULL AND expires_at > :now
    ORDER BY published_at, id
    LIMIT 1
)
RETURNING *;
