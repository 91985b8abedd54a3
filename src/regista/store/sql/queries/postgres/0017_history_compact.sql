-- Regista schema 17 (PostgreSQL): a more compact history.
-- Each event's previous hash is the hash of the event before it (seq - 1) of the same
-- instance, so it is no longer stored twice: the reads derive it (history_of_instance,
-- history_page), and the chain check finds an altered, missing or reordered event as
-- before. Hashes are kept as their 32 bytes rather than 64 hex characters.

ALTER TABLE history DROP COLUMN prev_hash;
ALTER TABLE history ALTER COLUMN hash TYPE bytea USING decode(hash, 'hex');
ALTER TABLE history_heads ALTER COLUMN hash TYPE bytea USING decode(hash, 'hex');
