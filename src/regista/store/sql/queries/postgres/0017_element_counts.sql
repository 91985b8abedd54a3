-- Regista schema 17 (PostgreSQL): the cockpit's element counts kept as running totals, so
-- that a definition's counts over every instance, finished ones included, read a few rows.

-- per definition and element, the element events of its instances' history (activated,
-- completed, terminated), kept by the unit of work that appends the history, in the same
-- transaction (store/sql/statistics.py); retention takes away what it prunes and an
-- instance migrated to another definition takes its counts along. `shard` spreads the
-- writes of concurrent units of work (many nodes) over several rows, so that they seldom
-- wait for one another's row lock: a count is the sum over the shards, and a shard may go
-- negative.
CREATE TABLE IF NOT EXISTS element_counts (
    definition_id  text COLLATE "C" NOT NULL,
    element_id     text COLLATE "C" NOT NULL,
    shard          integer NOT NULL,
    activated      bigint NOT NULL,
    completed      bigint NOT NULL,
    terminated     bigint NOT NULL,
    PRIMARY KEY (definition_id, element_id, shard)
);

-- the counts of the history written before, in shard 0 (computed afresh, should the
-- schema be migrated again from an earlier version)
DELETE FROM element_counts;
INSERT INTO element_counts (definition_id, element_id, shard, activated, completed, terminated)
SELECT i.definition_id, h.element_id, 0,
    count(*) FILTER (WHERE h.kind = 'element_activated'),
    count(*) FILTER (WHERE h.kind = 'element_completed'),
    count(*) FILTER (WHERE h.kind = 'element_terminated')
FROM history h JOIN instances i ON i.id = h.instance_id
WHERE h.element_id IS NOT NULL
  AND h.kind IN ('element_activated', 'element_completed', 'element_terminated')
GROUP BY i.definition_id, h.element_id;
