-- Regista schema 13 (sqlite): the decisions the engine evaluated, one row per decision of each
-- evaluation (a business rule task's, or one asked for through the API), with its inputs,
-- matched rules and result as Camunda 8 answers them, searched by key, decision, decision
-- version or process instance.

CREATE TABLE decision_instances (
    key                     TEXT PRIMARY KEY,
    evaluation_key          TEXT NOT NULL,
    decision_id             TEXT NOT NULL,
    decision_name           TEXT NOT NULL,
    decision_type           TEXT NOT NULL,
    definition_key          TEXT,
    version                 INTEGER,
    instance_id             TEXT,
    element_instance_id     TEXT,
    process_definition_key  TEXT,
    evaluated_at            TEXT NOT NULL,
    state                   TEXT NOT NULL,
    failure                 TEXT,
    result                  TEXT NOT NULL,
    inputs                  TEXT NOT NULL,
    rules                   TEXT NOT NULL
);
CREATE INDEX decision_instances_decision ON decision_instances (decision_id, key);
CREATE INDEX decision_instances_definition ON decision_instances (definition_key, key);
CREATE INDEX decision_instances_instance ON decision_instances (instance_id, key)
    WHERE instance_id IS NOT NULL;
