-- Regista schema 7 (PostgreSQL): deployments. Each deploy call is a deployment with an id, an
-- optional name and source (as Camunda 7 records them: "Camunda Modeler", ...), when and by
-- whom; `deployment_definitions` lists the definition versions it holds, new or kept (a
-- version deployed again unchanged belongs to every deployment that named it).

CREATE TABLE deployments (
    id           text PRIMARY KEY,
    name         text,
    source       text,
    deployed_at  timestamptz NOT NULL,
    deployed_by  text
);
CREATE INDEX deployments_time ON deployments (deployed_at, id);

CREATE TABLE deployment_definitions (
    deployment_id  text NOT NULL,
    definition_id  text NOT NULL,
    created        boolean NOT NULL,
    PRIMARY KEY (deployment_id, definition_id)
);
CREATE INDEX deployment_definitions_definition ON deployment_definitions (definition_id);
