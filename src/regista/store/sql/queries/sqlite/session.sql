-- Connection set-up and transaction control of the SQLite store (regista/store/sql/sqlite.py).
-- PRAGMAs take no bound parameters: the store fills in `{...}` with a number or a keyword it
-- checked.

-- name: pragma_busy_timeout
PRAGMA busy_timeout = {ms};

-- name: pragma_wal
PRAGMA journal_mode = WAL;

-- name: pragma_synchronous
PRAGMA synchronous = {mode};

-- name: pragma_journal_size_limit
PRAGMA journal_size_limit = {size};

-- name: begin_read
BEGIN;

-- name: begin_write
BEGIN IMMEDIATE;

-- name: commit
COMMIT;

-- name: rollback
ROLLBACK;
