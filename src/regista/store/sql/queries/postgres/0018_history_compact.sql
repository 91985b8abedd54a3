-- Regista schema 18 (PostgreSQL): a more compact history, and one index fewer on steps.
-- Each event's previous hash is the hash of the event before it (seq - 1) of the same
-- instance, so it is no longer stored twice: the reads derive it (history_of_instance,
-- history_page), and the chain check finds an altered, missing or reordered event as
-- before. Hashes are kept as their 32 bytes rather than 64 hex characters.

-- (the hex text is the last 64 characters of the hash as text whether it is still hex text
-- or already bytea, '\x...': run again, this changes nothing). Both rewrite the table.
SET LOCAL bytea_output = 'hex';
ALTER TABLE history DROP COLUMN IF EXISTS prev_hash;
ALTER TABLE history ALTER COLUMN hash TYPE bytea USING decode(right(hash::text, 64), 'hex');
ALTER TABLE history_heads ALTER COLUMN hash TYPE bytea
    USING decode(right(hash::text, 64), 'hex');

-- No statement needs the steps by (instance_id, element_id) here: the repeat count of a new
-- step (steps_insert_rows) reads the instance's few steps through the primary key, which
-- leads with instance_id. (SQLite keeps its index: its steps are clustered by process.)
DROP INDEX IF EXISTS steps_element;
