-- The decisions the engine evaluated (store/decision_instances.py), by key.

-- name: decision_instance_insert
INSERT INTO decision_instances
    (key, evaluation_key, decision_id, decision_name, decision_type, definition_key, version,
     instance_id, element_instance_id, process_definition_key, evaluated_at, state, failure,
     result, inputs, rules)
VALUES
    (:key, :evaluation_key, :decision_id, :decision_name, :decision_type, :definition_key,
     :version, :instance_id, :element_instance_id, :process_definition_key, :evaluated_at,
     :state, :failure, :result, :inputs, :rules);

-- name: decision_instance_rows
SELECT * FROM decision_instances

-- name: decision_instance_count_rows
SELECT 1 FROM decision_instances

-- name: decision_instance_key_is
key = :key

-- name: decision_instance_decision_is
decision_id = :decision_id

-- name: decision_instance_definition_is
definition_key = :definition_key

-- name: decision_instance_instance_is
instance_id = :instance_id

-- name: decision_instance_after_asc
key > :after_key

-- name: decision_instance_after_desc
key < :after_key

-- name: decision_instance_order_asc
key

-- name: decision_instance_order_desc
key DESC

-- name: delete_decision_instances
DELETE FROM decision_instances WHERE instance_id IN (SELECT value FROM json_each(:ids));
