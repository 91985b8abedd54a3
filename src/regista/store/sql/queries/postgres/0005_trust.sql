-- Regista schema 5 (PostgreSQL): trust is a property of a deployment. Each definition
-- version records who deployed it and its trust ('untrusted', 'trusted': Python with
-- restricted builtins, 'full': Python with every builtin); the engine runs Python only for
-- a version deployed trusted. `settings` keeps what is configured on the database itself,
-- such as the hash of the key a trusted deployment from the command line must give.

ALTER TABLE definitions ADD COLUMN trust text NOT NULL DEFAULT 'untrusted';
ALTER TABLE definitions ADD COLUMN deployed_by text;

CREATE TABLE settings (
    name        text PRIMARY KEY,
    value       text NOT NULL,
    updated_at  timestamptz NOT NULL
);
