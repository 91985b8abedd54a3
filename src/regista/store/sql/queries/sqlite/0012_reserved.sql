-- Regista schema 12: reserved for the migration of another branch (sla); this
-- placeholder keeps the numbering without gaps until the merge replaces it.
SELECT 1;
