-- Users, groups, memberships and API keys (see regista/store/identity.py).

-- name: user_insert
INSERT INTO users (username, name, email, password_hash, roles, enabled, created_at)
VALUES (:username, :name, :email, :password_hash, :roles, :enabled, :created_at)
ON CONFLICT (username) DO NOTHING
RETURNING username;

-- name: user_get
SELECT * FROM users WHERE username = :username;

-- name: user_update
UPDATE users SET name = :name, email = :email, password_hash = :password_hash,
    roles = :roles, enabled = :enabled
WHERE username = :username
RETURNING username;

-- name: user_delete
DELETE FROM users WHERE username = :username RETURNING username;

-- name: user_delete_memberships
DELETE FROM group_members WHERE username = :username;

-- name: user_delete_api_keys
DELETE FROM api_keys WHERE username = :username;

-- name: user_list
SELECT * FROM users ORDER BY username;

-- name: group_insert
INSERT INTO user_groups (id, name, description, roles, created_at)
VALUES (:id, :name, :description, :roles, :created_at)
ON CONFLICT (id) DO NOTHING
RETURNING id;

-- name: group_get
SELECT * FROM user_groups WHERE id = :id;

-- name: group_update
UPDATE user_groups SET name = :name, description = :description, roles = :roles
WHERE id = :id
RETURNING id;

-- name: group_delete
DELETE FROM user_groups WHERE id = :id RETURNING id;

-- name: group_delete_memberships
DELETE FROM group_members WHERE group_id = :id;

-- name: group_list
SELECT * FROM user_groups ORDER BY id;

-- name: member_add
INSERT INTO group_members (group_id, username) VALUES (:group_id, :username)
ON CONFLICT (group_id, username) DO NOTHING
RETURNING username;

-- name: member_remove
DELETE FROM group_members WHERE group_id = :group_id AND username = :username
RETURNING username;

-- name: members_of
SELECT username FROM group_members WHERE group_id = :group_id ORDER BY username;

-- name: groups_of
SELECT g.* FROM user_groups g JOIN group_members m ON m.group_id = g.id
WHERE m.username = :username
ORDER BY g.id;

-- name: api_key_insert
INSERT INTO api_keys (id, prefix, secret_hash, username, roles, name, created_at,
    last_used_at, revoked_at)
VALUES (:id, :prefix, :secret_hash, :username, :roles, :name, :created_at, :last_used_at,
    :revoked_at);

-- name: api_key_get
SELECT * FROM api_keys WHERE id = :id;

-- name: api_key_list
SELECT * FROM api_keys
WHERE CAST(:username AS TEXT) IS NULL OR username = :username
ORDER BY created_at, id;

-- name: api_key_revoke
UPDATE api_keys SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL RETURNING id;

-- name: api_key_used
UPDATE api_keys SET last_used_at = :now WHERE id = :id;
