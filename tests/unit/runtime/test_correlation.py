"""Camunda 7's message correlation over the memory store: by instance id, business key,
root and local variables; one match unless `all`; message start events; and nothing
delivered when the message is refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.runtime.correlation import MismatchingCorrelation, Selection, correlate_selected
from regista.store.memory import MemoryStore


def waiting() -> ProcessBuilder:
    return ProcessBuilder("waiting").start("s").catch("paid", message="paid").end("e")


def starting(process_id: str) -> ProcessBuilder:
    return ProcessBuilder(process_id).start("s", message="hello").user_task("t").end("e")


@pytest.fixture
def client() -> Iterator[Client]:
    with Client(MemoryStore()) as made:
        made.deploy(waiting(), starting("one"), starting("two"))
        yield made


def status(client: Client, instance_id: str) -> str:
    return client.instance(instance_id).status


def test_a_message_reaches_the_one_execution_its_selection_names(client: Client) -> None:
    a = client.start("waiting", {"amount": 1}, business_key="a")
    b = client.start("waiting", {"amount": 2}, business_key="b")
    with pytest.raises(MismatchingCorrelation, match="2 executions match"):
        correlate_selected(client.shell, Selection("paid"))
    assert status(client, a) == status(client, b) == "active"

    [reached] = correlate_selected(
        client.shell, Selection("paid", correlation_keys={"amount": 2}), {"ok": True}
    )
    assert reached.instance_id == b and not reached.started
    assert status(client, b) == "completed" and client.instance(b).variables["ok"] is True

    with pytest.raises(MismatchingCorrelation, match="no execution waits"):
        correlate_selected(client.shell, Selection("paid", business_key="b"))
    with pytest.raises(MismatchingCorrelation):
        correlate_selected(client.shell, Selection("paid", local_correlation_keys={"x": 1}))
    [by_id] = correlate_selected(client.shell, Selection("paid", instance_id=a))
    assert by_id.instance_id == a and status(client, a) == "completed"


def test_all_reaches_every_match_and_start_events_start(client: Client) -> None:
    ids = {client.start("waiting", business_key=k) for k in ("x", "y")}
    reached = correlate_selected(client.shell, Selection("paid", all=True))
    assert {r.instance_id for r in reached} == ids
    with pytest.raises(MismatchingCorrelation, match="start event"):
        correlate_selected(client.shell, Selection("hello", business_key="k"))
    started = correlate_selected(client.shell, Selection("hello", business_key="k", all=True))
    assert all(s.started for s in started) and len(started) == 2
    assert {client.instance(s.instance_id).process_id for s in started} == {"one", "two"}
    assert {client.instance(s.instance_id).business_key for s in started} == {"k"}


def test_all_reaches_the_waiting_executions_and_starts_processes_in_one_go(
    client: Client,
) -> None:
    client.deploy(ProcessBuilder("greeter").start("s").catch("c", message="hello").end("e"))
    waiting_one = client.start("greeter")
    [first] = correlate_selected(client.shell, Selection("hello"))
    assert first.instance_id == waiting_one and not first.started  # a waiting one goes first
    waiting_two = client.start("greeter")
    reached = correlate_selected(client.shell, Selection("hello", all=True))
    assert [r.started for r in reached] == [False, True, True]
    assert reached[0].instance_id == waiting_two
    assert status(client, waiting_two) == "completed"
