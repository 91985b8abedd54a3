"""Process instance modification through the durable runtime and the CLI, on SQLite and
PostgreSQL: the operator's repair is one transaction, in the audit trail with its actor."""

from __future__ import annotations

from click.testing import CliRunner
from runtimekit import Database, Harness

from regista.bpmn import ProcessBuilder
from regista.cli.instances import instances
from regista.client import Activate, RequestError
from regista.runtime.workers import ActivatedJob, Workers

pytest_plugins = ["runtimefixtures"]


def billing() -> ProcessBuilder:
    return (
        ProcessBuilder("billing")
        .start("start")
        .service_task("charge", type="charge", retries=1)
        .user_task("review")
        .end("end")
    )


def failing() -> Workers:
    def charge(job: ActivatedJob) -> dict[str, object]:
        raise RuntimeError("the payment provider is down")

    return Workers({"charge": charge})


def test_an_operator_skips_a_failed_step(db: Database) -> None:
    h = Harness(db, failing())
    try:
        h.client.deploy(billing())
        iid = h.client.start("billing")
        h.run()
        (incident,) = h.client.incidents(instance_id=iid)
        assert incident.element_id == "charge"
        h.client.modify(
            iid,
            activate=[Activate("review", {"charged": "by hand"})],
            terminate=["charge"],
            actor="ops-anna",
        )
        info = h.client.instance(iid)
        assert info.active == ["review"] and info.variables == {"charged": "by hand"}
        assert h.client.incidents(instance_id=iid) == []  # the incident went with the step
        with h.store.transaction(write=False) as tx:
            (job,) = tx.jobs_of_instance(iid)
        assert job.status != "ready"  # nobody retries the charge
        (modified,) = [e for e in h.history(iid) if e.kind == "instance_modified"]
        assert modified.actor == "ops-anna" and modified.command == "Modify"
        assert modified.data["terminate"] == ["charge"]
        (task,) = h.client.tasks(instance_id=iid)
        h.client.complete_task(task.id, {})
        assert h.client.instance(iid).status == "completed"
        assert h.client.verify_audit() is None
    finally:
        h.close()


def test_a_modification_that_cannot_apply_changes_nothing(db: Database) -> None:
    h = Harness(db)
    try:
        h.client.deploy(billing())
        iid = h.client.start("billing")
        before = h.client.instance(iid)
        try:
            h.client.modify(iid, activate=[Activate("nowhere")], terminate=["charge"])
        except RequestError as exc:
            assert "has no element 'nowhere'" in str(exc)
        else:
            raise AssertionError("the modification should be refused")
        after = h.client.instance(iid)
        assert (after.active, after.version) == (before.active, before.version)
        assert "instance_modified" not in h.kinds(iid)
    finally:
        h.close()


def test_the_cli_modifies_and_names_what_is_wrong(db: Database) -> None:
    h = Harness(db)
    try:
        h.client.deploy(billing())
        iid = h.client.start("billing")
        runner = CliRunner()
        url = ["--database-url", db.url]
        done = runner.invoke(
            instances,
            ["modify", iid, "--activate", "review", "--terminate", "charge", "--var", "n=1", *url],
        )
        assert done.exit_code == 0, done.output
        assert f"{iid}: active, waiting at review" in done.output
        assert h.client.instance(iid).variables == {"n": 1}
        wrong = runner.invoke(instances, ["modify", iid, "--terminate", "charge", *url])
        assert wrong.exit_code != 0
        assert "nothing named 'charge' runs" in wrong.output
        empty = runner.invoke(instances, ["modify", iid, *url])
        assert empty.exit_code == 2 and "at least one --activate or --terminate" in empty.output
        ended = runner.invoke(instances, ["modify", iid, "--terminate", "review", *url])
        assert ended.exit_code == 0, ended.output
        assert f"{iid}: terminated" in ended.output
    finally:
        h.close()
