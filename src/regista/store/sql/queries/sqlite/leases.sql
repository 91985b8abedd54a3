-- Leases handed back by a node that stops (regista/store/leases.py). Only due timers are
-- ever leased, so the due-time index bounds the search.

-- name: timer_release_leases
UPDATE timers SET lease_owner = NULL, lease_until = NULL
WHERE due_at <= :now AND lease_owner = :worker_id;
