-- Pages of instances and incidents for the API (keyset: the sort key and the id of the
-- last row seen; the filters a search leaves out are NULL). The counts stop at :cap.

-- name: instance_page_started_asc
SELECT * FROM instances
WHERE (CAST(:instance_id AS TEXT) IS NULL OR id = :instance_id)
  AND (CAST(:process_id AS TEXT) IS NULL OR process_id = :process_id)
  AND (CAST(:definition_id AS TEXT) IS NULL OR definition_id = :definition_id)
  AND (CAST(:parent_instance_id AS TEXT) IS NULL OR parent_instance_id = :parent_instance_id)
  AND (CAST(:statuses AS TEXT) IS NULL OR status IN (SELECT value FROM json_each(:statuses)))
  AND (CAST(:started_from AS TEXT) IS NULL OR started_at >= :started_from)
  AND (CAST(:started_to AS TEXT) IS NULL OR started_at <= :started_to)
  AND (CAST(:ended_from AS TEXT) IS NULL OR ended_at >= :ended_from)
  AND (CAST(:ended_to AS TEXT) IS NULL OR ended_at <= :ended_to)
  AND (CAST(:after_id AS TEXT) IS NULL OR (started_at, id) > (:after_started, :after_id))
ORDER BY started_at, id
LIMIT :limit OFFSET :offset;

-- name: instance_page_started_desc
SELECT * FROM instances
WHERE (CAST(:instance_id AS TEXT) IS NULL OR id = :instance_id)
  AND (CAST(:process_id AS TEXT) IS NULL OR process_id = :process_id)
  AND (CAST(:definition_id AS TEXT) IS NULL OR definition_id = :definition_id)
  AND (CAST(:parent_instance_id AS TEXT) IS NULL OR parent_instance_id = :parent_instance_id)
  AND (CAST(:statuses AS TEXT) IS NULL OR status IN (SELECT value FROM json_each(:statuses)))
  AND (CAST(:started_from AS TEXT) IS NULL OR started_at >= :started_from)
  AND (CAST(:started_to AS TEXT) IS NULL OR started_at <= :started_to)
  AND (CAST(:ended_from AS TEXT) IS NULL OR ended_at >= :ended_from)
  AND (CAST(:ended_to AS TEXT) IS NULL OR ended_at <= :ended_to)
  AND (CAST(:after_id AS TEXT) IS NULL OR (started_at, id) < (:after_started, :after_id))
ORDER BY started_at DESC, id DESC
LIMIT :limit OFFSET :offset;

-- name: instance_page_key_asc
SELECT * FROM instances
WHERE (CAST(:instance_id AS TEXT) IS NULL OR id = :instance_id)
  AND (CAST(:process_id AS TEXT) IS NULL OR process_id = :process_id)
  AND (CAST(:definition_id AS TEXT) IS NULL OR definition_id = :definition_id)
  AND (CAST(:parent_instance_id AS TEXT) IS NULL OR parent_instance_id = :parent_instance_id)
  AND (CAST(:statuses AS TEXT) IS NULL OR status IN (SELECT value FROM json_each(:statuses)))
  AND (CAST(:started_from AS TEXT) IS NULL OR started_at >= :started_from)
  AND (CAST(:started_to AS TEXT) IS NULL OR started_at <= :started_to)
  AND (CAST(:ended_from AS TEXT) IS NULL OR ended_at >= :ended_from)
  AND (CAST(:ended_to AS TEXT) IS NULL OR ended_at <= :ended_to)
  AND (CAST(:after_id AS TEXT) IS NULL OR id > :after_id)
ORDER BY id
LIMIT :limit OFFSET :offset;

-- name: instance_page_key_desc
SELECT * FROM instances
WHERE (CAST(:instance_id AS TEXT) IS NULL OR id = :instance_id)
  AND (CAST(:process_id AS TEXT) IS NULL OR process_id = :process_id)
  AND (CAST(:definition_id AS TEXT) IS NULL OR definition_id = :definition_id)
  AND (CAST(:parent_instance_id AS TEXT) IS NULL OR parent_instance_id = :parent_instance_id)
  AND (CAST(:statuses AS TEXT) IS NULL OR status IN (SELECT value FROM json_each(:statuses)))
  AND (CAST(:started_from AS TEXT) IS NULL OR started_at >= :started_from)
  AND (CAST(:started_to AS TEXT) IS NULL OR started_at <= :started_to)
  AND (CAST(:ended_from AS TEXT) IS NULL OR ended_at >= :ended_from)
  AND (CAST(:ended_to AS TEXT) IS NULL OR ended_at <= :ended_to)
  AND (CAST(:after_id AS TEXT) IS NULL OR id < :after_id)
ORDER BY id DESC
LIMIT :limit OFFSET :offset;

-- name: instance_count
SELECT count(*) AS n FROM (SELECT 1 FROM instances
WHERE (CAST(:instance_id AS TEXT) IS NULL OR id = :instance_id)
  AND (CAST(:process_id AS TEXT) IS NULL OR process_id = :process_id)
  AND (CAST(:definition_id AS TEXT) IS NULL OR definition_id = :definition_id)
  AND (CAST(:parent_instance_id AS TEXT) IS NULL OR parent_instance_id = :parent_instance_id)
  AND (CAST(:statuses AS TEXT) IS NULL OR status IN (SELECT value FROM json_each(:statuses)))
  AND (CAST(:started_from AS TEXT) IS NULL OR started_at >= :started_from)
  AND (CAST(:started_to AS TEXT) IS NULL OR started_at <= :started_to)
  AND (CAST(:ended_from AS TEXT) IS NULL OR ended_at >= :ended_from)
  AND (CAST(:ended_to AS TEXT) IS NULL OR ended_at <= :ended_to)
LIMIT :cap) AS counted;

-- name: incident_page_asc
SELECT * FROM incidents
WHERE (CAST(:incident_id AS TEXT) IS NULL OR id = :incident_id)
  AND (CAST(:instance_id AS TEXT) IS NULL OR instance_id = :instance_id)
  AND (CAST(:element_id AS TEXT) IS NULL OR element_id = :element_id)
  AND (CAST(:job_id AS TEXT) IS NULL OR job_id = :job_id)
  AND (CAST(:resolved AS INTEGER) IS NULL OR (resolved_at IS NOT NULL) = :resolved)
  AND (CAST(:after_id AS TEXT) IS NULL OR (created_at, id) > (:after_created, :after_id))
ORDER BY created_at, id
LIMIT :limit OFFSET :offset;

-- name: incident_page_desc
SELECT * FROM incidents
WHERE (CAST(:incident_id AS TEXT) IS NULL OR id = :incident_id)
  AND (CAST(:instance_id AS TEXT) IS NULL OR instance_id = :instance_id)
  AND (CAST(:element_id AS TEXT) IS NULL OR element_id = :element_id)
  AND (CAST(:job_id AS TEXT) IS NULL OR job_id = :job_id)
  AND (CAST(:resolved AS INTEGER) IS NULL OR (resolved_at IS NOT NULL) = :resolved)
  AND (CAST(:after_id AS TEXT) IS NULL OR (created_at, id) < (:after_created, :after_id))
ORDER BY created_at DESC, id DESC
LIMIT :limit OFFSET :offset;

-- name: incident_count
SELECT count(*) AS n FROM (SELECT 1 FROM incidents
WHERE (CAST(:incident_id AS TEXT) IS NULL OR id = :incident_id)
  AND (CAST(:instance_id AS TEXT) IS NULL OR instance_id = :instance_id)
  AND (CAST(:element_id AS TEXT) IS NULL OR element_id = :element_id)
  AND (CAST(:job_id AS TEXT) IS NULL OR job_id = :job_id)
  AND (CAST(:resolved AS INTEGER) IS NULL OR (resolved_at IS NOT NULL) = :resolved)
LIMIT :cap) AS counted;

-- Pages of jobs for the API, by key (keyset: the id of the last row seen), never the
-- runtime's own types (:internal, the LIKE pattern of their prefix).

-- name: job_page_asc
SELECT * FROM jobs
WHERE type NOT LIKE :internal
  AND (CAST(:job_id AS TEXT) IS NULL OR id = :job_id)
  AND (CAST(:type AS TEXT) IS NULL OR type = :type)
  AND (CAST(:worker AS TEXT) IS NULL OR lease_owner = :worker)
  AND (CAST(:statuses AS TEXT) IS NULL OR status IN (SELECT value FROM json_each(:statuses)))
  AND (CAST(:instance_id AS TEXT) IS NULL OR instance_id = :instance_id)
  AND (CAST(:process_id AS TEXT) IS NULL OR instance_id IN (
      SELECT id FROM instances WHERE process_id = :process_id))
  AND (CAST(:definition_id AS TEXT) IS NULL OR instance_id IN (
      SELECT id FROM instances WHERE definition_id = :definition_id))
  AND (CAST(:element_id AS TEXT) IS NULL OR element_id = :element_id)
  AND (CAST(:element_instance_id AS TEXT) IS NULL OR element_instance_id = :element_instance_id)
  AND (CAST(:retries AS INTEGER) IS NULL OR retries = :retries)
  AND (CAST(:retried AS INTEGER) IS NULL
       OR (status = 'ready' AND error IS NOT NULL) = :retried)
  AND (CAST(:after_id AS TEXT) IS NULL OR id > :after_id)
ORDER BY id
LIMIT :limit OFFSET :offset;

-- name: job_page_desc
SELECT * FROM jobs
WHERE type NOT LIKE :internal
  AND (CAST(:job_id AS TEXT) IS NULL OR id = :job_id)
  AND (CAST(:type AS TEXT) IS NULL OR type = :type)
  AND (CAST(:worker AS TEXT) IS NULL OR lease_owner = :worker)
  AND (CAST(:statuses AS TEXT) IS NULL OR status IN (SELECT value FROM json_each(:statuses)))
  AND (CAST(:instance_id AS TEXT) IS NULL OR instance_id = :instance_id)
  AND (CAST(:process_id AS TEXT) IS NULL OR instance_id IN (
      SELECT id FROM instances WHERE process_id = :process_id))
  AND (CAST(:definition_id AS TEXT) IS NULL OR instance_id IN (
      SELECT id FROM instances WHERE definition_id = :definition_id))
  AND (CAST(:element_id AS TEXT) IS NULL OR element_id = :element_id)
  AND (CAST(:element_instance_id AS TEXT) IS NULL OR element_instance_id = :element_instance_id)
  AND (CAST(:retries AS INTEGER) IS NULL OR retries = :retries)
  AND (CAST(:retried AS INTEGER) IS NULL
       OR (status = 'ready' AND error IS NOT NULL) = :retried)
  AND (CAST(:after_id AS TEXT) IS NULL OR id < :after_id)
ORDER BY id DESC
LIMIT :limit OFFSET :offset;

-- name: job_count
SELECT count(*) AS n FROM (SELECT 1 FROM jobs
WHERE type NOT LIKE :internal
  AND (CAST(:job_id AS TEXT) IS NULL OR id = :job_id)
  AND (CAST(:type AS TEXT) IS NULL OR type = :type)
  AND (CAST(:worker AS TEXT) IS NULL OR lease_owner = :worker)
  AND (CAST(:statuses AS TEXT) IS NULL OR status IN (SELECT value FROM json_each(:statuses)))
  AND (CAST(:instance_id AS TEXT) IS NULL OR instance_id = :instance_id)
  AND (CAST(:process_id AS TEXT) IS NULL OR instance_id IN (
      SELECT id FROM instances WHERE process_id = :process_id))
  AND (CAST(:definition_id AS TEXT) IS NULL OR instance_id IN (
      SELECT id FROM instances WHERE definition_id = :definition_id))
  AND (CAST(:element_id AS TEXT) IS NULL OR element_id = :element_id)
  AND (CAST(:element_instance_id AS TEXT) IS NULL OR element_instance_id = :element_instance_id)
  AND (CAST(:retries AS INTEGER) IS NULL OR retries = :retries)
  AND (CAST(:retried AS INTEGER) IS NULL
       OR (status = 'ready' AND error IS NOT NULL) = :retried)
LIMIT :cap) AS counted;

-- messageId of published messages: claimed while no live message holds it (an expired
-- one gives way).

-- name: message_id_claim
INSERT INTO message_ids (name, correlation_key, message_id, message_key, expires_at)
VALUES (:name, :correlation_key, :message_id, :message_key, :expires_at)
ON CONFLICT (name, correlation_key, message_id) DO UPDATE
SET message_key = excluded.message_key, expires_at = excluded.expires_at
WHERE message_ids.expires_at <= :now
RETURNING message_key;

-- name: message_id_purge
DELETE FROM message_ids WHERE expires_at <= :now;
