"""The demo traffic over a memory store: a seed decides the instances it starts, its
people complete user tasks with answers their forms accept, its messages reach the
instances waiting for them, and its thread stops."""

from __future__ import annotations

import pytest

from regista.client import Client
from regista.demos.catalog import DEMOS, Demo, demo_resources, demo_workers
from regista.demos.traffic import Traffic, TrafficError
from regista.runtime.clock import FakeClock
from regista.runtime.node import Node
from regista.store.memory import MemoryStore
from testkit import wait_until


def demo_client() -> tuple[Client, Node]:
    client = Client(MemoryStore(), clock=FakeClock())
    client.shell.deploy(demo_resources(), actor="test")
    return client, Node(client.shell, demo_workers())


def keys_started(seed: int, ticks: int) -> list[str | None]:
    client, node = demo_client()
    traffic = Traffic(client, seed=seed)
    for _ in range(ticks):
        traffic.tick()
        node.run_until_idle(1000)
    keys = [i.business_key for i in client.instances(limit=1000) if i.parent_id is None]
    node.close()
    client.close()
    return keys


def test_the_same_seed_starts_the_same_instances_in_the_same_order() -> None:
    assert keys_started(7, 12) == keys_started(7, 12)
    assert keys_started(7, 12) != keys_started(8, 12)


def test_ticks_start_every_demo_complete_tasks_and_deliver_messages() -> None:
    client, node = demo_client()
    traffic = Traffic(client, seed=3, tasks_per_tick=4)
    for _ in range(60):
        traffic.tick()
        node.run_until_idle(1000)
    assert set(traffic.counts.started) == {d.process_id for d in DEMOS}
    assert traffic.counts.completed_tasks > 0  # the forms accepted every answer
    assert traffic.counts.published > 0
    assert traffic.counts.errors == 0
    passed = {e for i in client.instances(limit=1000) for e in client.instance(i.id).passed}
    assert {"fsh_payment_confirmed", "utl_distributor_answer", "kyc_approve"} <= passed
    assert client.incidents(limit=1000)  # the sanctions screening failed for some applicant
    node.close()
    client.close()


def test_the_thread_runs_until_stopped() -> None:
    client, _ = demo_client()
    traffic = Traffic(client, rate=6000)
    traffic.start()
    wait_until(lambda: sum(traffic.counts.started.values()) >= 3, what="three starts")
    traffic.stop()
    stopped_at = sum(traffic.counts.started.values())
    assert traffic.interval == pytest.approx(0.01)
    assert sum(traffic.counts.started.values()) == stopped_at
    client.close()


@pytest.mark.parametrize("rate", [0, -1.5])
def test_a_rate_that_is_not_positive_is_refused(rate: float) -> None:
    client, _ = demo_client()
    with pytest.raises(TrafficError, match="more than 0"):
        Traffic(client, rate=rate)
    client.close()


def test_requests_refused_are_counted_and_the_traffic_goes_on() -> None:
    client = Client(MemoryStore(), clock=FakeClock())  # nothing deployed: starts are refused
    traffic = Traffic(client)
    for _ in range(3):
        traffic.tick()
    assert traffic.counts.errors == 3
    assert not traffic.counts.started
    client.close()


def test_the_thread_survives_a_tick_that_breaks() -> None:
    client, _ = demo_client()
    unknown = Demo("nowhere", "No such demo", "no-such-process", "no.such.module")
    traffic = Traffic(client, rate=6000, demos=(unknown,))  # no inputs for it: KeyError
    traffic.start()
    wait_until(lambda: traffic.counts.errors >= 3, what="three broken ticks")
    traffic.stop()
    client.close()
