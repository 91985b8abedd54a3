-- Regista schema 10 (PostgreSQL): the head of each instance's history chain (the seq and
-- hash of its last event), written in the same transaction that appends the history, so
-- that `regista audit verify` notices a deleted tail or an instance whose events were all
-- deleted. Existing chains get their heads here, from the history as it is now.

CREATE TABLE history_heads (
    instance_id  text PRIMARY KEY,
    seq          integer NOT NULL,
    hash         text NOT NULL
);

INSERT INTO history_heads (instance_id, seq, hash)
SELECT DISTINCT ON (instance_id) instance_id, seq, hash
FROM history
ORDER BY instance_id, seq DESC;
