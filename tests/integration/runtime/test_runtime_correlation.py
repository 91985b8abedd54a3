"""Message correlation without keys, as in the in-memory runtime: a subscription without a
correlation key takes a message of its name whatever its key, and a message without a key
reaches any subscription of its name — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

from runtimekit import Database, Harness

from regista.bpmn import ProcessBuilder
from regista.client import Client

pytest_plugins = ["runtimefixtures"]


def keyless() -> ProcessBuilder:
    return ProcessBuilder("any").start("s").catch("paid", message="payment").end("e")


def keyed() -> ProcessBuilder:
    return (
        ProcessBuilder("order")
        .start("s")
        .catch("paid", message="payment", correlation_key="=orderId")
        .end("e")
    )


def test_a_subscription_without_a_key_takes_a_message_with_any_key(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(keyless(), keyed())
    waiting = h.client.start("any")
    order = h.client.start("order", {"orderId": "A"})
    result = h.client.correlate("payment", "whatever", {"amount": 3})
    assert result.instance_ids == (waiting,)
    info = h.client.instance(waiting)
    assert info.status == "completed" and info.variables["amount"] == 3
    (event,) = [e for e in h.history(waiting) if e.kind == "message_correlated"]
    assert event.data["correlation_key"] == "whatever"
    # the keyed subscription still needs its own key
    assert h.client.correlate("payment", "B", ttl=dt.timedelta(0)).instance_ids == ()
    assert h.client.instance(order).status == "active"
    assert h.client.correlate("payment", "A").instance_ids == (order,)
    h.close()


def test_the_oldest_matching_subscription_wins(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(keyless(), keyed())
    order = h.client.start("order", {"orderId": "A"})
    waiting = h.client.start("any")
    assert h.client.correlate("payment", "A").instance_ids == (order,)
    assert h.client.correlate("payment", "A").instance_ids == (waiting,)
    h.close()


def test_a_message_without_a_key_reaches_any_subscription_of_its_name(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(keyed())
    order = h.client.start("order", {"orderId": "A"})
    assert h.client.correlate("payment").instance_ids == (order,)
    assert h.client.instance(order).status == "completed"
    h.close()


def test_kept_messages_follow_the_same_rule(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(keyless(), keyed())
    five = dt.timedelta(minutes=5)
    kept = h.client.correlate("payment", "X", {"n": 1}, ttl=five)
    assert kept.buffered_id is not None
    waiting = h.client.start("any")  # takes the message kept with key X at once
    info = h.client.instance(waiting)
    assert info.status == "completed" and info.variables["n"] == 1
    plain = h.client.correlate("payment", None, {"n": 2}, ttl=five)
    assert plain.buffered_id is not None
    order = h.client.start("order", {"orderId": "B"})  # a kept message without key: any
    info = h.client.instance(order)
    assert info.status == "completed" and info.variables["n"] == 2
    h.close()


def test_a_message_thrown_by_a_model_reaches_a_subscription_without_a_key(
    db: Database,
) -> None:
    h = Harness(db)
    h.client.deploy(keyless())
    h.client.deploy(
        ProcessBuilder("payer")
        .start("s")
        .throw("pay", message="payment", correlation_key="=orderId")
        .end("e")
    )
    waiting = h.client.start("any")
    h.client.start("payer", {"orderId": "Z"})
    h.run()
    assert h.client.instance(waiting).status == "completed"
    h.close()


def test_racing_publishers_and_keyless_subscribers_never_miss_each_other(db: Database) -> None:
    """Each message meets exactly one instance, whether the message or the instance came
    first: publisher and subscriber serialize on the message name when either has no key."""
    store = db.open_store()
    client = Client(store)
    client.deploy(keyless())
    count = 12
    errors: list[BaseException] = []

    def publish(i: int) -> None:
        try:
            client.correlate("payment", f"k{i}", ttl=dt.timedelta(hours=1))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def subscribe() -> None:
        try:
            client.start("any")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(count)]
    threads += [threading.Thread(target=subscribe) for _ in range(count)]
    for thread in threads[::2] + threads[1::2]:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    statuses = [i.status for i in client.instances(process_id="any", limit=1000)]
    assert statuses == ["completed"] * count
    client.close()
