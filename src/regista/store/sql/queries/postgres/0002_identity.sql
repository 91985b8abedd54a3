-- Regista schema 2 (PostgreSQL): users, groups, memberships and API keys. Roles are JSON arrays
-- of role names; an API key's roles are NULL when it has its owner's.

CREATE TABLE users (
    username       text PRIMARY KEY,
    name           text,
    email          text,
    password_hash  text NOT NULL,
    roles          jsonb NOT NULL,
    enabled        boolean NOT NULL,
    created_at     timestamptz NOT NULL
);

CREATE TABLE user_groups (
    id           text PRIMARY KEY,
    name         text NOT NULL,
    description  text,
    roles        jsonb NOT NULL,
    created_at   timestamptz NOT NULL
);

CREATE TABLE group_members (
    group_id  text NOT NULL,
    username  text NOT NULL,
    PRIMARY KEY (group_id, username)
);
CREATE INDEX group_members_user ON group_members (username);

CREATE TABLE api_keys (
    id            text PRIMARY KEY,
    prefix        text NOT NULL,
    secret_hash   text NOT NULL,
    username      text NOT NULL,
    roles         jsonb,
    name          text,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_keys_user ON api_keys (username);
