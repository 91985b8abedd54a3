-- The current variable values (store/sql/variables.py): written with the state they
-- mirror; a variable keeps the key it got when first written.

-- name: variable_upsert
INSERT INTO variables
    (scope_id, name, instance_id, variable_key, value, value_text, value_number)
VALUES (:scope_id, :name, :instance_id, :key, :value, :text, :number)
ON CONFLICT (scope_id, name) DO UPDATE SET
    value = excluded.value,
    value_text = excluded.value_text,
    value_number = excluded.value_number;

-- name: variable_delete
DELETE FROM variables WHERE scope_id = :scope_id AND name = :name;

-- name: variables_of_instance
SELECT * FROM variables WHERE instance_id = :instance_id ORDER BY variable_key;
