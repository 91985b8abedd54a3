-- Regista schema 2 (SQLite): users, groups, memberships and API keys. Roles are JSON arrays
-- of role names; an API key's roles are NULL when it has its owner's.

CREATE TABLE users (
    username       TEXT PRIMARY KEY,
    name           TEXT,
    email          TEXT,
    password_hash  TEXT NOT NULL,
    roles          TEXT NOT NULL,
    enabled        INTEGER NOT NULL,
    created_at     TEXT NOT NULL
);

CREATE TABLE user_groups (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    description  TEXT,
    roles        TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE group_members (
    group_id  TEXT NOT NULL,
    username  TEXT NOT NULL,
    PRIMARY KEY (group_id, username)
);
CREATE INDEX group_members_user ON group_members (username);

CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    prefix        TEXT NOT NULL,
    secret_hash   TEXT NOT NULL,
    username      TEXT NOT NULL,
    roles         TEXT,
    name          TEXT,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT
);
CREATE INDEX api_keys_user ON api_keys (username);
