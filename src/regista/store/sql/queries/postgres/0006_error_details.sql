-- Regista schema 6 (PostgreSQL): a failed job keeps the details its worker gave beside the
-- message (Camunda 7's external task `errorDetails`, such as a stack trace).

ALTER TABLE jobs ADD COLUMN error_details text;
