-- Regista schema 13 (postgres): the decisions the engine evaluated, one row per decision of each
-- evaluation (a business rule task's, or one asked for through the API), with its inputs,
-- matched rules and result as Camunda 8 answers them, searched by key, decision, decision
-- version or process instance.

CREATE TABLE decision_instances (
    key                     text PRIMARY KEY,
    evaluation_key          text NOT NULL,
    decision_id             text NOT NULL,
    decision_name           text NOT NULL,
    decision_type           text NOT NULL,
    definition_key          text,
    version                 integer,
    instance_id             text,
    element_instance_id     text,
    process_definition_key  text,
    evaluated_at            timestamptz NOT NULL,
    state                   text NOT NULL,
    failure                 text,
    result                  text NOT NULL,
    inputs                  text NOT NULL,
    rules                   text NOT NULL
);
CREATE INDEX decision_instances_decision ON decision_instances (decision_id, key);
CREATE INDEX decision_instances_definition ON decision_instances (definition_key, key);
CREATE INDEX decision_instances_instance ON decision_instances (instance_id, key)
    WHERE instance_id IS NOT NULL;
