-- Connection set-up and transaction control of the SQLite store (regista/store/sql/sqlite.py).
-- PRAGMAs take no bound parameters: the store fills in `{...}` with a number or a keyword it
-- checked.

-- name: pragma_busy_timeout
PRAGMA busy_timeout = {ms};

-- Space freed by deletes goes back to the file system in steps (incremental_vacuum); this
-- takes effect on a new database file only: an existing one needs `regista db vacuum`.
-- name: pragma_auto_vacuum_incremental
PRAGMA auto_vacuum = INCREMENTAL;

-- name: pragma_auto_vacuum
PRAGMA auto_vacuum;

-- name: pragma_freelist_count
PRAGMA freelist_count;

-- name: pragma_incremental_vacuum
PRAGMA incremental_vacuum({pages});

-- name: vacuum
VACUUM;

-- Copies the log into the file without waiting for readers or writers (Store.checkpoint)
-- name: pragma_wal_checkpoint
PRAGMA wal_checkpoint(PASSIVE);

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
