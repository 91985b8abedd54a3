"""Helpers of the process-intelligence suite: an empty database of each kind, a history
made by the real runtime on a fake clock, and generated event logs."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import psycopg
from lxml import etree

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.insight import EventDatabase, open_database
from regista.runtime.clock import FakeClock
from regista.runtime.node import Node
from regista.runtime.options import RuntimeOptions
from regista.runtime.workers import ActivatedJob, BpmnError, JobFailure, Workers
from regista.settings import Settings
from regista.store import open_store

XSD = Path(__file__).parents[2] / "fixtures" / "xes" / "xes-1849.xsd"


def pg_schema_url(database_url: str) -> str:
    """A new empty schema in the session's database, as a URL whose search path is it."""
    schema = f"s_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{database_url}?options=-csearch_path%3D{schema}"


@dataclass
class Place:
    """An empty Regista database of one kind."""

    kind: str
    url: str

    def settings(self) -> Settings:
        return Settings.from_env({}, database_url=self.url)

    def open(self) -> EventDatabase:
        return open_database(self.settings())


def validate_xes(path: Path) -> None:
    """Fail unless the file is valid against the XES schema of the fixtures."""
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    doc = etree.parse(str(path))
    if not schema.validate(doc):
        raise AssertionError(f"{path} is not valid XES: {schema.error_log}")


# -- a history made by the runtime ------------------------------------------------------------


def claim_model() -> ProcessBuilder:
    """start -> Check (a worker) -> ok? -> Approve (a person) -> done, else rejected; a BPMN
    error BAD at Check ends at failed; Approve has a timer that no case reaches."""
    return (
        ProcessBuilder("claim")
        .start("s", name="Received")
        .service_task("check", name="Check", type="check")
        .exclusive_gateway("ok")
        .condition("=valid")
        .user_task("approve", name="Approve")
        .end("done", name="Done")
        .move_to("ok")
        .default()
        .end("rejected", name="Rejected")
        .boundary_event("bad", attached_to="check", error="BAD")
        .end("failed", name="Failed")
        .boundary_event("late", attached_to="approve", duration="P2D")
        .end("escalated", name="Escalated")
    )


def check(job: ActivatedJob) -> dict[str, Any]:
    mode = job.variables.get("mode")
    if mode == "error":
        raise BpmnError("BAD", "the claim is malformed")
    if mode == "down":
        raise JobFailure("the registry is down", retries=0)
    return {}


@dataclass
class History:
    """Five claims run on 2030-01-01 (see `make_history`)."""

    ids: dict[str, str]


def make_history(place: Place) -> History:
    """i1, i2: valid, approved (i1 claimed by ann 10:00, done 12:00; i2 claimed by bob 11:00,
    done 11:30); i3: rejected at 09:00; i4: BPMN error BAD at 09:00; i5: an incident at
    Check (still running)."""
    clock = FakeClock("2030-01-01T09:00:00Z")
    workers = Workers({"check": check})
    store = open_store(place.settings())
    client = Client(store, options=RuntimeOptions(), clock=clock)
    node = Node(client.shell, workers, node_id="node-test")
    try:
        client.deploy(claim_model())
        ids = {
            "i1": client.start("claim", {"valid": True}),
            "i2": client.start("claim", {"valid": True}),
            "i3": client.start("claim", {"valid": False}),
            "i4": client.start("claim", {"mode": "error"}),
            "i5": client.start("claim", {"mode": "down"}),
        }
        node.run_until_idle()

        def task(key: str) -> str:
            (found,) = client.tasks(instance_id=ids[key])
            return found.id

        clock.advance("PT1H")
        client.assign_task(task("i1"), "ann", actor="ann")
        clock.advance("PT1H")
        client.assign_task(task("i2"), "bob", actor="bob")
        clock.advance("PT30M")
        client.complete_task(task("i2"), {}, by="bob")
        clock.advance("PT30M")
        client.complete_task(task("i1"), {}, by="ann")
        node.run_until_idle()
    finally:
        node.close()
        client.close()
    return History(ids)


# -- generated event logs -----------------------------------------------------------------------

ACTIVITIES = ("register", "check", "fix", "approve", "reject", "notify", "archive")


@dataclass(frozen=True)
class Generated:
    """A generated log: each case's (activity, start, complete, resource) steps."""

    cases: dict[str, list[tuple[str, datetime, datetime, str]]]


def generate_log(count: int, seed: int = 7) -> Generated:
    """`count` cases of a claims process with rework (check -> fix -> check ...), a choice
    (approve or reject) and an optional notify, on whole seconds."""
    rnd = random.Random(seed)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    cases: dict[str, list[tuple[str, datetime, datetime, str]]] = {}
    for n in range(count):
        at = base + timedelta(seconds=rnd.randrange(0, 90 * 86400))
        path = ["register", "check"]
        while rnd.random() < 0.3:
            path += ["fix", "check"]
        path.append("approve" if rnd.random() < 0.7 else "reject")
        if rnd.random() < 0.5:
            path.append("notify")
        path.append("archive")
        steps = []
        for activity in path:
            start = at + timedelta(seconds=rnd.randrange(0, 3600))
            end = start + timedelta(seconds=rnd.randrange(1, 7200))
            steps.append((activity, start, end, f"user{rnd.randrange(5)}"))
            at = end
        cases[f"case-{n:05d}"] = steps
    return Generated(cases)


def write_generated_xes(log: Generated, path: Path) -> int:
    """The log as XES with start and complete events (written here, not by Regista's own
    writer, so that the import is checked against an independent file)."""

    def event(activity: str, when: datetime, transition: str, resource: str) -> str:
        return (
            f'<event><string key="concept:name" value={quoteattr(activity)}/>'
            f'<date key="time:timestamp" value="{when.isoformat()}"/>'
            f'<string key="lifecycle:transition" value="{transition}"/>'
            f'<string key="org:resource" value={quoteattr(resource)}/></event>\n'
        )

    written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1849-2016">\n')
        for case_id, steps in log.cases.items():
            out.write(f'<trace><string key="concept:name" value="{case_id}"/>\n')
            for activity, start, end, resource in steps:
                out.write(event(activity, start, "start", resource))
                out.write(event(activity, end, "complete", resource))
                written += 2
            out.write("</trace>\n")
        out.write("</log>\n")
    return written


def csv_rows(text: str) -> Iterator[list[str]]:
    for line in text.strip().splitlines():
        yield [cell.strip() for cell in line.split(",")]
