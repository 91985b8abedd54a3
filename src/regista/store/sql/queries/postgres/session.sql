-- Connection set-up, transaction control and the schema lock of the PostgreSQL store
-- (regista/store/sql/postgres.py).

-- name: session_setup
SET TIME ZONE 'UTC';

-- name: begin
BEGIN;

-- name: commit
COMMIT;

-- Nodes starting together migrate once: the first holds this lock, the others wait and then
-- find nothing left to do.
-- name: schema_lock
SELECT pg_advisory_xact_lock(hashtextextended('regista.schema.' || current_schema(), 0));
