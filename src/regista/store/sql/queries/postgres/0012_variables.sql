-- Regista schema 12 (PostgreSQL): the current value of every variable of every instance,
-- one row per scope and name, written by the unit of work with the state it mirrors, so
-- that searches reach across instances (by name, by value, by instance or scope) through
-- an index. `value` is the value as JSON text; `value_text` the beginning of a string and
-- `value_number` a number, for comparisons. Keys of existing variables are numbered here
-- (small numbers, below every key the runtime hands out). Values written before this
-- schema are filled in from the states: decimals and dates as the API shows them, other
-- tagged values (durations, ranges, and numbers inside lists and contexts) as stored
-- until the variable next changes.

CREATE TABLE variables (
    scope_id      text NOT NULL,
    name          text NOT NULL,
    instance_id   text NOT NULL,
    variable_key  bigint NOT NULL,
    value         text NOT NULL,
    value_text    text,
    value_number  double precision,
    PRIMARY KEY (scope_id, name)
);
CREATE INDEX variables_key ON variables (variable_key);
CREATE INDEX variables_name ON variables (name, variable_key);
CREATE INDEX variables_instance ON variables (instance_id, variable_key);
CREATE INDEX variables_scope ON variables (scope_id, variable_key);

INSERT INTO variables
    (scope_id, name, instance_id, variable_key, value, value_text, value_number)
SELECT scope_id, name, instance_id,
       ROW_NUMBER() OVER (ORDER BY instance_id, scope_id, name),
       value, value_text, value_number
FROM (
    SELECT s.e ->> 'id' AS scope_id,
           v.key AS name,
           i.id AS instance_id,
           CASE
               WHEN jsonb_typeof(v.value) <> 'object' THEN v.value::text
               WHEN jsonb_typeof(v.value -> '$n') = 'string' THEN v.value ->> '$n'
               WHEN jsonb_typeof(v.value -> '$dt') = 'string' THEN (v.value -> '$dt')::text
               WHEN jsonb_typeof(v.value -> '$d') = 'string' THEN (v.value -> '$d')::text
               WHEN jsonb_typeof(v.value -> '$t') = 'string' THEN (v.value -> '$t')::text
               ELSE v.value::text
           END AS value,
           CASE
               WHEN jsonb_typeof(v.value) = 'string' THEN left(v.value #>> '{}', 256)
           END AS value_text,
           CASE
               WHEN jsonb_typeof(v.value) = 'number' THEN (v.value #>> '{}')::double precision
               WHEN jsonb_typeof(v.value -> '$n') = 'string'
                   THEN (v.value ->> '$n')::double precision
           END AS value_number
    FROM instances i
    CROSS JOIN LATERAL jsonb_array_elements(i.state -> 'instances') AS s (e)
    CROSS JOIN LATERAL jsonb_each(COALESCE(s.e -> 'variables', '{}'::jsonb)) AS v
) AS found;
