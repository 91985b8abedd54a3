-- Regista schema 8 (SQLite): event logs imported from other systems (`regista log import`),
-- kept apart from the history so that the process-intelligence analyses run on them too.
-- `ts` is seconds since 1970-01-01 UTC (a REAL), the unit the analyses compute in; `seq` is
-- the event's place in the imported file. `lifecycle` is the XES transition, lower case
-- ('complete' when the file gives none).

CREATE TABLE event_logs (
    name         TEXT PRIMARY KEY,
    source       TEXT NOT NULL,
    format       TEXT NOT NULL,
    events       INTEGER NOT NULL,
    cases        INTEGER NOT NULL,
    imported_at  TEXT NOT NULL
);

CREATE TABLE event_log_events (
    log_name   TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    case_id    TEXT NOT NULL,
    activity   TEXT NOT NULL,
    ts         REAL NOT NULL,
    lifecycle  TEXT NOT NULL,
    resource   TEXT,
    PRIMARY KEY (log_name, seq)
);
CREATE INDEX event_log_events_case ON event_log_events (log_name, case_id, ts);
