-- Regista schema 10 (SQLite): the head of each instance's history chain (the seq and hash
-- of its last event), written in the same transaction that appends the history, so that
-- `regista audit verify` notices a deleted tail or an instance whose events were all
-- deleted. Existing chains get their heads here, from the history as it is now.

CREATE TABLE history_heads (
    instance_id  TEXT PRIMARY KEY,
    seq          INTEGER NOT NULL,
    hash         TEXT NOT NULL
);

INSERT INTO history_heads (instance_id, seq, hash)
SELECT h.instance_id, h.seq, h.hash
FROM history h
WHERE h.seq = (SELECT max(seq) FROM history l WHERE l.instance_id = h.instance_id);
