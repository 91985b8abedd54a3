"""The durable shell over the in-memory store: the same unit of work without a database,
plus the small pieces (backoff, ids, history data) on their own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from regista.bpmn import ProcessBuilder
from regista.client import Activate, Client
from regista.runtime.clock import FakeClock
from regista.runtime.ids import IdSource
from regista.runtime.node import Node
from regista.runtime.options import RuntimeOptions
from regista.runtime.unit_of_work import _event_data
from regista.runtime.workers import ActivatedJob, Workers
from regista.store.memory import MemoryStore


def test_a_client_and_a_node_share_an_in_memory_store() -> None:
    clock = FakeClock("2030-01-01T09:00:00Z")
    client = Client("memory://", clock=clock)
    workers = Workers({"double": lambda job: {"y": job.variables["x"] * 2}})
    node = Node(client.shell, workers)
    client.deploy(
        ProcessBuilder("p")
        .start("s")
        .service_task("t", type="double")
        .catch("w", duration="PT1M")
        .end("e")
    )
    iid = client.start("p", {"x": 21}, idempotency_key="once")
    assert client.start("p", {"x": 0}, idempotency_key="once") == iid
    node.run_until_idle()
    assert client.instance(iid).active == ["w"]
    clock.advance("PT1M")
    node.run_until_idle()
    info = client.instance(iid)
    assert info.status == "completed" and info.variables == {"x": 21, "y": 42}
    assert client.verify_audit() is None
    node.close()
    client.close()


def test_retry_backoff_doubles_up_to_its_ceiling() -> None:
    options = RuntimeOptions(
        retry_backoff=dt.timedelta(seconds=1), max_retry_backoff=dt.timedelta(seconds=5)
    )
    assert [options.backoff(a).total_seconds() for a in (1, 2, 3, 4, 50)] == [1, 2, 4, 5, 5]


def test_ids_are_unique_and_sources_of_one_store_differ() -> None:
    store = MemoryStore()
    one, two = IdSource(store.reserve_id_block), IdSource(store.reserve_id_block)
    ids = {one() for _ in range(1000)} | {two() for _ in range(1000)}
    assert len(ids) == 2000


def test_history_data_passes_plain_values_and_encodes_feel_values() -> None:
    plain = {"type": "task", "flows": ["f1"], "n": 3, "ok": True, "none": None}
    assert _event_data(plain) == plain
    assert _event_data({"new": Decimal("1.5")}) == {"new": {"$n": "1.5"}}
    assert _event_data({"$odd": "x"}) == {"$ctx": {"$odd": "x"}}


def test_workers_receive_plain_python_variables() -> None:
    seen: list[ActivatedJob] = []

    def record(job: ActivatedJob) -> None:
        seen.append(job)

    client = Client("memory://")
    node = Node(client.shell, Workers({"rec": record}))
    client.deploy(ProcessBuilder("q").start("s").service_task("t", type="rec").end("e"))
    client.start("q", {"amount": 12, "when": dt.date(2030, 1, 2), "items": [1, 2]})
    node.run_until_idle()
    (job,) = seen
    assert job.variables == {"amount": 12, "when": dt.date(2030, 1, 2), "items": [1, 2]}
    client.close()


def test_an_instance_migrates_and_is_modified_in_the_in_memory_store() -> None:
    client = Client("memory://", clock=FakeClock("2030-01-01T09:00:00Z"))
    client.deploy(
        ProcessBuilder("p").start("s").user_task("review").catch("w", duration="PT1H").end("e")
    )
    iid = client.start("p")
    (task,) = client.tasks(instance_id=iid)
    client.deploy(ProcessBuilder("p").start("s").user_task("check").user_task("more").end("e"))
    assert client.migrate(iid, mappings={"review": "check"}) == 2
    (moved,) = client.tasks(instance_id=iid)
    assert (moved.id, moved.element_id) == (task.id, "check")
    assert client.instance(iid).version == 2
    client.modify(iid, activate=[Activate("more")], terminate=["check"])
    assert [t.element_id for t in client.tasks(instance_id=iid)] == ["more"]
    assert client.verify_audit() is None
