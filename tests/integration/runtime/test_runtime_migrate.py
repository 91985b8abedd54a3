"""Process instance migration through the durable runtime and the CLI, on SQLite and
PostgreSQL: a running instance moves to a new version with its jobs, tasks and timers."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from runtimekit import Database, Harness

from regista.bpmn import ProcessBuilder
from regista.cli.instances import instances
from regista.client import RequestError
from regista.runtime.workers import ActivatedJob, Workers


def v1() -> ProcessBuilder:
    return (
        ProcessBuilder("order")
        .start("start")
        .user_task("review")
        .boundary_event("late", duration="PT1H")
        .end("escalated")
        .move_to("review")
        .service_task("ship", type="ship")
        .end("end")
    )


def v2() -> ProcessBuilder:
    """`review` is now `check`, the boundary timer is gone, an archive step follows."""
    return (
        ProcessBuilder("order")
        .start("start")
        .user_task("check")
        .service_task("ship", type="ship")
        .service_task("archive", type="archive")
        .end("end")
    )


def workers() -> Workers:
    def done(job: ActivatedJob) -> dict[str, object]:
        return {job.element_id: True}

    return Workers({"ship": done, "archive": done})


pytest_plugins = ["runtimefixtures"]


def test_a_waiting_instance_moves_to_the_new_version(db: Database) -> None:
    h = Harness(db, workers())
    try:
        h.client.deploy(v1())
        iid = h.client.start("order")
        (task,) = h.client.tasks(instance_id=iid)
        h.client.deploy(v2())
        assert h.client.migrate(iid, mappings={"review": "check"}, actor="ops") == 2
        info = h.client.instance(iid)
        assert (info.version, info.active) == (2, ["check"])
        (moved,) = h.client.tasks(instance_id=iid)
        assert (moved.id, moved.element_id) == (task.id, "check")  # the same task, renamed
        with h.store.transaction(write=False) as tx:
            row = tx.get_instance(iid)
            assert row is not None
            definition = tx.get_definition(row.definition_id)
            assert definition is not None and definition.version == 2
        h.advance("PT2H")  # v1's boundary timer went with the migration
        assert h.client.instance(iid).active == ["check"]
        h.client.complete_task(task.id, {})
        h.run()
        info = h.client.instance(iid)
        assert info.status == "completed"
        assert info.variables == {"ship": True, "archive": True}  # v2's path
        (event,) = [e for e in h.history(iid) if e.kind == "instance_migrated"]
        assert event.actor == "ops" and event.data["elements"] == {"review": "check"}
        assert h.client.verify_audit() is None
    finally:
        h.close()


def test_a_migration_that_cannot_apply_changes_nothing(db: Database) -> None:
    h = Harness(db)
    try:
        h.client.deploy(v1())
        iid = h.client.start("order")
        h.client.deploy(v2())
        with pytest.raises(RequestError, match="map it"):
            h.client.migrate(iid)  # review has no counterpart without the mapping
        with pytest.raises(RequestError, match="already runs version 1"):
            h.client.migrate(iid, version=1)
        info = h.client.instance(iid)
        assert (info.version, info.active) == (1, ["review"])
        assert "instance_migrated" not in h.kinds(iid)
    finally:
        h.close()


def test_the_cli_migrates(db: Database) -> None:
    h = Harness(db)
    try:
        h.client.deploy(v1())
        iid = h.client.start("order")
        h.client.deploy(v2())
        runner = CliRunner()
        url = ["--database-url", db.url]
        bad = runner.invoke(instances, ["migrate", iid, *url])
        assert bad.exit_code != 0 and "map it" in bad.output
        typo = runner.invoke(instances, ["migrate", iid, "--map", "review", *url])
        assert typo.exit_code == 2 and "write OLD=NEW" in typo.output
        ok = runner.invoke(instances, ["migrate", iid, "--map", "review=check", *url])
        assert ok.exit_code == 0, ok.output
        assert f"{iid}: now version 2 of order, waiting at check" in ok.output
    finally:
        h.close()
