"""Group commit of requests on SQLite and PostgreSQL: concurrent starts, message
publications and user-task completions share one database transaction, each with its own
result; an item that fails leaves the others committed and nothing of its own behind.

Batching is made certain, not timed: the test holds the shell's group commit busy with a
unit of work that waits for a gate, queues the requests behind it, then opens the gate.
Transactions are counted by wrapping the store's `transaction` (committed writes only).
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from runtimekit import Database

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.runtime import jobs, messages, starts
from regista.runtime.batching import SharedWork
from regista.runtime.errors import NotFoundError, RequestError, TaskConflict
from regista.runtime.jobs import ExternalJobs
from regista.runtime.unit_of_work import UnitOfWork
from regista.store import Store, Transaction
from testkit import wait_until

pytest_plugins = ["runtimefixtures"]


class Commits:
    """Counts the write transactions of a store that committed."""

    def __init__(self, store: Store) -> None:
        self.count = 0
        self._lock = threading.Lock()
        original = store.transaction

        @contextmanager
        def counted(*, write: bool = True) -> Iterator[Transaction]:
            with original(write=write) as tx:
                yield tx
            if write:
                with self._lock:
                    self.count += 1

        store.transaction = counted  # type: ignore[method-assign]


class Held:
    """Holds the shell's group commit busy until `release`: requests queue meanwhile."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.gate = threading.Event()
        entered = threading.Event()

        def wait(uow: UnitOfWork) -> None:
            entered.set()
            self.gate.wait(30)

        self.thread = threading.Thread(target=lambda: client.shell.shared.run(wait))
        self.thread.start()
        entered.wait(30)

    def queue(self, calls: list[Callable[[], Any]]) -> list[Any]:
        """Run each call in a thread of its own behind the held transaction, release it,
        and give what each returned or raised."""
        answers: list[Any] = [None] * len(calls)

        def run(i: int) -> None:
            try:
                answers[i] = calls[i]()
            except Exception as exc:
                answers[i] = exc

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
        for thread in threads:
            thread.start()
        commits = self.client.shell.shared.commits
        wait_until(lambda: len(commits._queue) == len(calls), what="the requests to queue")
        self.gate.set()
        for thread in [self.thread, *threads]:
            thread.join(30)
        return answers


KEEP = dt.timedelta(minutes=5)


def order() -> ProcessBuilder:
    return ProcessBuilder("order").start("s").service_task("pack", type="pack").end("e")


def approval() -> ProcessBuilder:
    return ProcessBuilder("approval").start("s").user_task("approve").end("e")


def start(client: Client, n: int) -> str:
    return client.shell.start("order", {"n": n}, actor=f"u{n}")


def count(db: Database, table: str) -> int:
    return int(db.execute(f"SELECT count(*) FROM {table}")[0][0])


@pytest.fixture
def client(db: Database) -> Iterator[Client]:
    made = Client(db.open_store())
    # one leader, as on SQLite: PostgreSQL's several would each take a share of the queued
    # requests, so how many transactions ran would depend on the threads' timing
    made.shell.shared = SharedWork(made.shell.transact, leaders=1)
    made.deploy(order(), approval())
    yield made
    made.close()


def test_concurrent_starts_share_one_transaction(db: Database, client: Client) -> None:
    commits = Commits(client.store)
    held = Held(client)
    ids = held.queue([functools.partial(start, client, n) for n in range(6)])
    assert all(isinstance(i, str) for i in ids) and len(set(ids)) == 6
    assert commits.count == 2  # the held one, then all six together
    assert client.shell.shared.commits.batches == 1
    for n, instance_id in enumerate(ids):
        info = client.instance(instance_id)
        assert info.variables == {"n": n} and info.active == ["pack"]
        started = [e for e in client.history(instance_id) if e.kind == "instance_started"]
        assert [e.actor for e in started] == [f"u{n}"]  # each names its own caller
        assert client.verify_audit(instance_id) is None


def test_a_failing_start_leaves_the_others_committed(db: Database, client: Client) -> None:
    commits = Commits(client.store)
    held = Held(client)
    answers = held.queue(
        [
            lambda: client.shell.start("order", {"n": 1}),
            lambda: client.shell.start("no-such-process"),
            lambda: client.shell.start("order", {"n": 2}),
        ]
    )
    assert isinstance(answers[1], NotFoundError)
    good = [answers[0], answers[2]]
    assert all(isinstance(i, str) for i in good)
    assert {client.instance(i).variables["n"] for i in good} == {1, 2}
    # held + the failed batch's culprit alone (nothing to commit: it failed) + the rest
    assert commits.count == 2
    assert client.shell.shared.commits.batches == 1
    assert count(db, "instances") == 2


def test_a_failing_item_is_rolled_back_whole(db: Database, client: Client) -> None:
    """The culprit wrote rows (a started instance, a kept message) before it failed:
    none of them is left, and the others of its batch are committed."""
    made: list[str] = []

    def culprit(uow: UnitOfWork) -> None:
        started = starts.start(uow, starts.StartRequest("order", {}))
        made.append(started.instance_id)
        messages.publish(uow, "lost", "k", {}, ttl=KEEP)  # kept: a row written now
        uow.settle()
        raise RequestError("this request is refused after it wrote")

    shell = client.shell
    held = Held(client)
    answers = held.queue(
        [
            lambda: shell.start("order", {"n": 1}),
            lambda: shell.shared.run(culprit, actor="bad"),
            lambda: shell.correlate("kept", "k1", {"x": 1}, ttl=KEEP),
            lambda: shell.start("order", {"n": 2}),
        ]
    )
    assert isinstance(answers[1], RequestError) and "refused after it wrote" in str(answers[1])
    assert isinstance(answers[0], str) and isinstance(answers[3], str)
    assert answers[2].buffered_id is not None
    assert made and not set(made) & {r[0] for r in db.execute("SELECT id FROM instances")}
    assert count(db, "instances") == 2
    names = [r[0] for r in db.execute("SELECT name FROM buffered_messages")]
    assert names == ["kept"]  # the culprit's "lost" message is gone with it
    assert shell.shared.commits.batches == 1


def test_user_task_completions_share_a_transaction(db: Database, client: Client) -> None:
    ids = [client.start("approval") for _ in range(4)]
    tasks = [client.tasks(instance_id=i)[0].id for i in ids]
    commits = Commits(client.store)
    held = Held(client)
    answers = held.queue(
        [
            functools.partial(client.shell.complete_user_task, t, {"ok": n}, by=f"u{n}")
            for n, t in enumerate(tasks)
        ]
    )
    assert answers == [True] * 4
    assert commits.count == 2
    for n, instance_id in enumerate(ids):
        info = client.instance(instance_id)
        assert info.status == "completed" and info.variables == {"ok": n}


def test_of_two_completions_of_one_task_in_a_batch_the_first_wins(
    db: Database, client: Client
) -> None:
    instance_id = client.start("approval")
    (task,) = client.tasks(instance_id=instance_id)
    held = Held(client)
    answers = held.queue(
        [
            functools.partial(
                client.shell.complete_user_task, task.id, {"by": n}, by=f"u{n}", strict=True
            )
            for n in (1, 2)
        ]
    )
    assert answers[0] is True
    assert isinstance(answers[1], TaskConflict)  # completed by u1, and it says so
    assert "u1" in str(answers[1])
    assert client.instance(instance_id).variables == {"by": 1}


def test_an_activation_shares_a_transaction_with_starts(db: Database, client: Client) -> None:
    ready = [start(client, n) for n in range(3)]
    commits = Commits(client.store)
    held = Held(client)
    external = ExternalJobs(client.shell)
    answers = held.queue(
        [
            lambda: client.start("approval"),
            lambda: external.activate("pack", "w1", limit=10, lease=KEEP),
            lambda: client.start("approval"),
        ]
    )
    assert commits.count == 2  # the held one, then the activation with the starts
    activated = answers[1]
    assert sorted(a.job.instance_id for a in activated) == sorted(ready)
    assert {(a.process_id, a.version, a.worker) for a in activated} == {("order", 1, "w1")}
    for instance_id in ready:
        locked = [e for e in client.history(instance_id) if e.kind == "job_locked"]
        assert [(e.actor, e.command) for e in locked] == [("w1", "ActivateJobs")]
        assert client.verify_audit(instance_id) is None


def test_an_activation_records_after_the_unit_of_work_that_made_the_job(
    db: Database, client: Client
) -> None:
    """A job created earlier in the same transaction belongs to an instance whose row and
    events are written at the end: its claim is recorded after them, in order."""

    def work(uow: UnitOfWork) -> tuple[str, list[Any], dict[str, Any]]:
        started = starts.start(uow, starts.StartRequest("order", {}))
        uow.settle()
        claimed = uow.tx.claim_jobs(["pack"], "w2", limit=5, lease_seconds=60, now=uow.now)
        return started.instance_id, claimed, jobs._record_claims(uow, claimed, "w2")

    instance_id, claimed, owners = client.shell.transact(work, actor="w2")
    assert [j.instance_id for j in claimed] == [instance_id]
    assert owners[instance_id].process_id == "order"
    kinds = [e.kind for e in client.history(instance_id)]
    assert kinds.index("job_created") < kinds.index("job_locked") == len(kinds) - 1
    assert client.verify_audit(instance_id) is None
