-- Regista schema 8 (PostgreSQL): event logs imported from other systems (`regista log
-- import`), kept apart from the history so that the process-intelligence analyses run on
-- them too. `ts` is seconds since 1970-01-01 UTC, the unit the analyses compute in; `seq` is
-- the event's place in the imported file. `lifecycle` is the XES transition, lower case
-- ('complete' when the file gives none).

CREATE TABLE event_logs (
    name         text PRIMARY KEY,
    source       text NOT NULL,
    format       text NOT NULL,
    events       bigint NOT NULL,
    cases        bigint NOT NULL,
    imported_at  timestamptz NOT NULL
);

CREATE TABLE event_log_events (
    log_name   text NOT NULL,
    seq        bigint NOT NULL,
    case_id    text NOT NULL,
    activity   text NOT NULL,
    ts         double precision NOT NULL,
    lifecycle  text NOT NULL,
    resource   text,
    PRIMARY KEY (log_name, seq)
);
CREATE INDEX event_log_events_case ON event_log_events (log_name, case_id, ts);
