-- Message correlation: the oldest subscription of a name waiting for one of the keys the
-- runtime lists (regista/runtime/messages.py says which match: '' stands for no key), or
-- for any key; and the oldest unexpired kept message the same way.
-- :keys is a JSON array of keys.

-- name: subscription_match
SELECT * FROM subscriptions
WHERE kind = 'message' AND name = :name AND correlation_key IN (SELECT value FROM json_each(:keys))
ORDER BY created_at, id
LIMIT 1;

-- name: subscription_match_any
SELECT * FROM subscriptions
WHERE kind = 'message' AND name = :name
ORDER BY created_at, id
LIMIT 1;

-- name: message_take
UPDATE buffered_messages SET consumed_by = :consumer, consumed_at = :now
WHERE consumed_by IS NULL AND id = (
    SELECT id FROM buffered_messages
    WHERE name = :name AND correlation_key IN (SELECT value FROM json_each(:keys)) AND consumed_by IS NULL
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
