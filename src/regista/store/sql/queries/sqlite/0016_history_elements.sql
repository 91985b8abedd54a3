-- Regista schema 16 (SQLite): the element events of each
-- instance's history by kind and element, so that the cockpit's element counts
-- (statistics.sql) read this index alone instead of every history row with its data.

CREATE INDEX IF NOT EXISTS history_elements ON history (instance_id, kind, element_id)
    WHERE element_id IS NOT NULL;
