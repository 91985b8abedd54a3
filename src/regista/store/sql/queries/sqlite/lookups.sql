-- Small reads the runtime needs beside the core queries (regista/store/lookups.py).
-- :ids is a JSON array of instance ids.

-- name: instance_keys
SELECT id, process_id, business_key FROM instances
WHERE id IN (SELECT value FROM json_each(:ids));
