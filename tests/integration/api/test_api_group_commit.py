"""Group commit over HTTP, on SQLite and PostgreSQL: `POST /v2/process-instances` and job
completions that arrive together share one database transaction; a request that fails
(an unknown process: a 404) gets its own problem while the others are committed.

The shell's group commit is held busy by a unit of work waiting for a gate while the
requests queue behind it (no timing); committed write transactions are counted by
wrapping the store's `transaction`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from jobkit import payment, served

from regista.runtime.batching import SharedWork
from regista.runtime.unit_of_work import UnitOfWork
from regista.store import Store, Transaction
from testkit import wait_until

pytest_plugins = ["jobfixtures"]

OPERATOR = {"Authorization": "Bearer operator,worker"}


def count_commits(store: Store) -> list[int]:
    """A one-item list that counts the store's committed write transactions."""
    counter = [0]
    original = store.transaction

    @contextmanager
    def counted(*, write: bool = True) -> Iterator[Transaction]:
        with original(write=write) as tx:
            yield tx
        if write:
            counter[0] += 1

    store.transaction = counted  # type: ignore[method-assign]
    return counter


def test_starts_and_completions_over_http_share_a_transaction(database_url: str) -> None:
    with served(database_url) as s:
        shell = s.client.shell
        # one leader (as on SQLite), so that the queued requests make exactly one batch
        shell.shared = SharedWork(shell.transact, leaders=1)
        s.client.deploy(payment())
        for _ in range(3):
            s.client.start("payment")
        activated = s.http.post(
            "/v2/jobs/activation",
            json={"type": "charge", "timeout": 60_000, "maxJobsToActivate": 3},
        ).json()["jobs"]
        assert len(activated) == 3
        commits = count_commits(s.client.store)
        gate, entered = threading.Event(), threading.Event()

        def hold(uow: UnitOfWork) -> None:
            entered.set()
            gate.wait(30)

        holder = threading.Thread(target=lambda: shell.shared.run(hold))
        holder.start()
        entered.wait(30)

        starts: list[tuple[str, dict[str, Any]]] = [
            ("/v2/process-instances", {"processDefinitionId": "payment", "variables": {"n": 1}}),
            ("/v2/process-instances", {"processDefinitionId": "no-such-process"}),
            ("/v2/process-instances", {"processDefinitionId": "payment", "variables": {"n": 2}}),
        ]
        requests = starts + [
            (f"/v2/jobs/{job['jobKey']}/completion", {"variables": {"paid": True}})
            for job in activated
        ]
        answers: list[httpx.Response | None] = [None] * len(requests)

        def send(i: int) -> None:
            path, body = requests[i]
            with httpx.Client(base_url=s.url, headers=OPERATOR, timeout=60) as http:
                answers[i] = http.post(path, json=body)

        senders = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
        for sender in senders:
            sender.start()
        queue = shell.shared.commits._queue
        wait_until(lambda: len(queue) == len(requests), what="the requests to queue")
        gate.set()
        for thread in [holder, *senders]:
            thread.join(60)

        statuses = [a.status_code if a is not None else None for a in answers]
        assert statuses == [200, 404, 200, 204, 204, 204]
        assert answers[1] is not None
        problem = answers[1].json()
        assert "no-such-process" in problem["detail"]
        # the held one, then the five good requests together (the failed batch and the
        # unknown process alone committed nothing)
        assert commits[0] == 2
        assert shell.shared.commits.batches == 1
        for answer, n in ((answers[0], 1), (answers[2], 2)):
            assert answer is not None
            created = answer.json()
            assert created["processDefinitionId"] == "payment"
            assert created["processDefinitionVersion"] == 1
            info = s.client.instance(created["processInstanceKey"])
            assert info.variables == {"n": n} and info.active == ["charge"]
            assert created["processDefinitionKey"] == info.definition_id
        for job in activated:
            info = s.client.instance(job["processInstanceKey"])
            assert info.status == "completed" and info.variables["paid"] is True
        again = s.http.post(f"/v2/jobs/{activated[0]['jobKey']}/completion", json={})
        assert again.status_code == 404  # completed once, by its batch
