"""`ExternalWorker` against the API over real HTTP, on SQLite and PostgreSQL: the same
`@worker` handlers as in-process, BPMN errors, failures, heartbeats and a graceful stop."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from jobkit import Served, payment, served

from regista.runtime.workers import ActivatedJob, BpmnError, Workers
from regista.worker import ExternalWorker
from testkit import wait_until

pytest_plugins = ["jobfixtures"]


@contextmanager
def running(api: Served, workers: Workers, **options: Any) -> Iterator[ExternalWorker]:
    bot = ExternalWorker(api.url, workers, api_key="worker", poll=5.0, **options)
    bot.start()
    try:
        yield bot
    finally:
        bot.stop(grace=10)


def charging() -> Workers:
    workers = Workers()

    @workers.worker("charge")
    def charge(job: ActivatedJob) -> dict[str, Any]:
        amount = job.variables["amount"]
        if amount < 0:
            raise BpmnError("DECLINED", "negative", {"why": "negative"})
        if amount == 0:
            raise ValueError("nothing to charge")
        return {"charged": amount, "by": job.process_id}

    return workers


def test_handlers_complete_throw_and_fail_as_in_process(database_url: str) -> None:
    with served(database_url) as api:
        api.client.deploy(payment())
        paid = api.client.start("payment", {"amount": 5})
        declined = api.client.start("payment", {"amount": -1})
        broken = api.client.start("payment", {"amount": 0})
        with running(api, charging(), retry_backoff=0.0):
            wait_until(lambda: api.client.instance(paid).status == "completed", what="paid")
            wait_until(lambda: api.client.instance(declined).status == "completed", what="no")
            wait_until(lambda: api.client.instance(broken).status == "incident", what="broken")
        assert api.client.instance(paid).variables["charged"] == 5
        assert api.client.instance(paid).variables["by"] == "payment"
        assert "refused" in api.client.instance(declined).passed
        (incident,) = api.client.instance(broken).incidents
        assert "nothing to charge" in incident.message
        failures = [e for e in api.client.history(broken) if e.kind == "job_failed"]
        assert len(failures) == 3  # three retries, counted down by the worker


def test_a_long_job_keeps_its_lease_and_a_stop_lets_it_finish(database_url: str) -> None:
    release = threading.Event()
    started = threading.Event()
    workers = Workers()

    @workers.worker("charge")
    def slow(job: ActivatedJob) -> dict[str, Any]:
        started.set()
        release.wait(60)
        return {"slow": True}

    with served(database_url) as api:
        api.client.deploy(payment())
        instance = api.client.start("payment", {"amount": 1})
        bot = ExternalWorker(api.url, workers, api_key="worker", poll=1.0, lease=1.0)
        bot.start()
        try:
            assert started.wait(60)
            (job,) = _jobs(api, instance)
            first = job.lease_until
            assert first is not None
            # the heartbeat moves the deadline on while the handler runs
            wait_until(lambda: _jobs(api, instance)[0].lease_until > first, what="a heartbeat")
            stopping = threading.Thread(target=bot.stop, kwargs={"grace": 30}, daemon=True)
            stopping.start()
            release.set()
            stopping.join(timeout=60)
        finally:
            release.set()
            bot.stop(grace=1)
        assert api.client.instance(instance).status == "completed"
        assert bot.done == 1


def _jobs(api: Served, instance: str) -> list[Any]:
    with api.client.store.transaction(write=False) as tx:
        return tx.jobs_of_instance(instance)
