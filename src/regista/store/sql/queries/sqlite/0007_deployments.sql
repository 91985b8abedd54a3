-- Regista schema 7 (SQLite): deployments. Each deploy call is a deployment with an id, an
-- optional name and source (as Camunda 7 records them: "Camunda Modeler", ...), when and by
-- whom; `deployment_definitions` lists the definition versions it holds, new or kept (a
-- version deployed again unchanged belongs to every deployment that named it).

CREATE TABLE deployments (
    id           TEXT PRIMARY KEY,
    name         TEXT,
    source       TEXT,
    deployed_at  TEXT NOT NULL,
    deployed_by  TEXT
);
CREATE INDEX deployments_time ON deployments (deployed_at, id);

CREATE TABLE deployment_definitions (
    deployment_id  TEXT NOT NULL,
    definition_id  TEXT NOT NULL,
    created        INTEGER NOT NULL,
    PRIMARY KEY (deployment_id, definition_id)
);
CREATE INDEX deployment_definitions_definition ON deployment_definitions (definition_id);
