-- Regista schema 18 (SQLite): a more compact history.
-- Each event's previous hash is the hash of the event before it (seq - 1) of the same
-- instance, so it is no longer stored twice: the reads derive it (history_of_instance,
-- history_page), and the chain check finds an altered, missing or reordered event as
-- before. New hashes are written as their 32 bytes (a BLOB, which a TEXT column keeps as
-- it is); those written before stay hex text, and the store reads both (sql/base.py
-- hash_out): SQLite before 3.41 has no unhex() to convert them here.

ALTER TABLE history DROP COLUMN prev_hash;
