-- Regista schema 4 (SQLite): user tasks get a priority (Camunda 8's 0-100, default 50) and
-- an index for the tasklist, which lists them by creation.

ALTER TABLE user_tasks ADD COLUMN priority INTEGER NOT NULL DEFAULT 50;
CREATE INDEX user_tasks_created ON user_tasks (created_at, id);
