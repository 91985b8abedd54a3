-- Regista schema 12 (SQLite): the current value of every variable of every instance, one
-- row per scope and name, written by the unit of work with the state it mirrors, so that
-- searches reach across instances (by name, by value, by instance or scope) through an
-- index. `value` is the value as JSON text; `value_text` the beginning of a string and
-- `value_number` a number, for comparisons. Keys of existing variables are numbered here
-- (small numbers, below every key the runtime hands out). Values written before this
-- schema are filled in from the states: decimals and dates as the API shows them, other
-- tagged values (durations, ranges, and numbers inside lists and contexts) as stored
-- until the variable next changes.

CREATE TABLE variables (
    scope_id      TEXT NOT NULL,
    name          TEXT NOT NULL,
    instance_id   TEXT NOT NULL,
    variable_key  INTEGER NOT NULL,
    value         TEXT NOT NULL,
    value_text    TEXT,
    value_number  REAL,
    PRIMARY KEY (scope_id, name)
) WITHOUT ROWID;
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
    SELECT json_extract(s.value, '$.id') AS scope_id,
           v.key AS name,
           i.id AS instance_id,
           CASE
               WHEN v.type = 'text' THEN json_quote(v.value)
               WHEN v.type IN ('integer', 'real') THEN CAST(v.value AS TEXT)
               WHEN v.type IN ('true', 'false', 'null') THEN v.type
               WHEN v.type = 'array' THEN v.value
               ELSE CASE  -- an object: a tagged value, or a context
                   WHEN json_type(v.value, '$."$n"') = 'text'
                       THEN json_extract(v.value, '$."$n"')
                   WHEN json_type(v.value, '$."$dt"') = 'text'
                       THEN json_quote(json_extract(v.value, '$."$dt"'))
                   WHEN json_type(v.value, '$."$d"') = 'text'
                       THEN json_quote(json_extract(v.value, '$."$d"'))
                   WHEN json_type(v.value, '$."$t"') = 'text'
                       THEN json_quote(json_extract(v.value, '$."$t"'))
                   ELSE v.value
               END
           END AS value,
           CASE WHEN v.type = 'text' THEN substr(v.value, 1, 256) END AS value_text,
           CASE
               WHEN v.type IN ('integer', 'real') THEN CAST(v.value AS REAL)
               WHEN v.type = 'object' THEN CASE
                   WHEN json_type(v.value, '$."$n"') = 'text'
                       THEN CAST(json_extract(v.value, '$."$n"') AS REAL)
               END
           END AS value_number
    FROM instances i,
         json_each(i.state, '$.instances') s,
         json_each(s.value, '$.variables') v
) AS found;
