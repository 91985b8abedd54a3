-- Small reads the runtime needs beside the core queries (regista/store/lookups.py).

-- name: instance_keys
SELECT id, process_id, business_key FROM instances WHERE id = ANY(:ids);
