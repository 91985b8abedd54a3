-- Regista schema 9 (PostgreSQL): an incident's type, as Camunda 8 names them
-- (JOB_NO_RETRIES, UNHANDLED_ERROR_EVENT, IO_MAPPING_ERROR, CONDITION_ERROR,
-- EXTRACT_VALUE_ERROR, CALLED_ELEMENT_ERROR, CALLED_DECISION_ERROR, ...). Incidents raised
-- before it was recorded are typed from what they hold: a job's is JOB_NO_RETRIES.

ALTER TABLE incidents ADD COLUMN error_type text NOT NULL DEFAULT 'UNKNOWN';
UPDATE incidents SET error_type = 'JOB_NO_RETRIES' WHERE job_id IS NOT NULL;
