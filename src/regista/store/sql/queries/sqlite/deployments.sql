-- Deployments (DeploymentTransaction, store/deployments.py) and the message subscriptions
-- of a name, which Camunda 7's message correlation chooses among.

-- name: deployment_insert
INSERT INTO deployments (id, name, source, deployed_at, deployed_by)
VALUES (:id, :name, :source, :now, :deployed_by);

-- name: deployment_definition_insert
INSERT INTO deployment_definitions (deployment_id, definition_id, created)
VALUES (:deployment_id, :definition_id, :created);

-- name: deployment_get
SELECT * FROM deployments WHERE id = :id;

-- name: deployment_list
SELECT * FROM deployments ORDER BY deployed_at, id;

-- name: deployment_definitions_of
SELECT * FROM deployment_definitions WHERE deployment_id = :deployment_id
ORDER BY definition_id;

-- name: deployment_definitions_all
SELECT * FROM deployment_definitions ORDER BY deployment_id, definition_id;

-- name: subscription_message
SELECT * FROM subscriptions WHERE kind = 'message' AND name = :name ORDER BY created_at, id;
