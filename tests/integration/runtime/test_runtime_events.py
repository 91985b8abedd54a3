"""Timers, messages and signals through the durable runtime, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from runtimekit import Database, Harness

from regista.bpmn import ProcessBuilder

pytest_plugins = ["runtimefixtures"]


def waiting() -> ProcessBuilder:
    return (
        ProcessBuilder("waiting")
        .start("start")
        .catch("wait", duration="PT10M")
        .user_task("work")
        .end("end")
        .boundary_event("late", attached_to="work", duration="PT1H")
        .end("escalated")
    )


def test_timers_fire_when_the_clock_reaches_them_and_not_before(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(waiting())
    iid = h.client.start("waiting")
    assert h.run() == 0
    assert h.client.instance(iid).active == ["wait"]
    h.advance("PT9M59S")
    assert h.client.instance(iid).active == ["wait"]
    h.advance("PT1S")
    assert h.client.instance(iid).active == ["work"]
    h.advance("PT59M")
    assert h.client.instance(iid).status == "active"
    h.advance("PT1M")
    info = h.client.instance(iid)
    assert info.status == "completed" and info.passed[-1] == "escalated"
    assert h.client.tasks() == []  # the boundary timer cancelled the user task
    fired = [e for e in h.history(iid) if e.kind == "timer_fired"]
    assert [e.element_id for e in fired] == ["wait", "late"]
    h.close()


def test_a_completed_task_cancels_its_boundary_timer(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(waiting())
    iid = h.client.start("waiting")
    h.advance("PT10M")
    h.client.complete_task(h.client.tasks()[0].id)
    assert h.client.instance(iid).status == "completed"
    assert h.store.next_timer_due() is None
    h.close()


def test_timer_start_events_with_cycles_start_instances(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(ProcessBuilder("ticker").start("tick", cycle="R3/PT1M").end("done"))
    assert h.run() == 0
    for expected in (1, 2, 3, 3):
        h.advance("PT1M")
        assert len(h.client.instances(process_id="ticker")) == expected
    # a new version replaces the start timers of the old one
    h.client.deploy(ProcessBuilder("ticker").start("tick", cycle="R/PT1H").task("t").end("done"))
    h.advance("PT59M")
    assert len(h.client.instances(process_id="ticker")) == 3
    h.advance("PT1M")
    assert len(h.client.instances(process_id="ticker")) == 4
    h.close()


def test_cron_cycles_fire_on_their_schedule(db: Database) -> None:
    h = Harness(db)  # the clock starts at 2030-01-01T09:00:00Z, a Tuesday
    h.client.deploy(ProcessBuilder("daily").start("at", cycle="0 0 12 * * *").end("done"))
    h.advance("PT2H59M")
    assert h.client.instances(process_id="daily") == []
    h.advance("PT1M")
    (first,) = h.client.instances(process_id="daily")
    assert first.started_at == dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC)
    h.advance("P1D")
    assert len(h.client.instances(process_id="daily")) == 2
    h.close()


def paid() -> ProcessBuilder:
    return (
        ProcessBuilder("order")
        .start("start")
        .catch("paid", message="payment", correlation_key="=orderId")
        .end("end")
    )


def test_messages_correlate_by_name_and_key(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(paid())
    a = h.client.start("order", {"orderId": "A"})
    b = h.client.start("order", {"orderId": "B"})
    result = h.client.correlate("payment", "B", {"amount": 10})
    assert result.instance_ids == (b,) and result.buffered_id is None
    assert h.client.instance(b).status == "completed"
    assert h.client.instance(b).variables["amount"] == 10
    assert h.client.instance(a).status == "active"
    correlated = [e for e in h.history(b) if e.kind == "message_correlated"]
    assert correlated[0].data["correlation_key"] == "B"
    h.close()


def test_a_message_nobody_waits_for_is_buffered_until_its_ttl(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(paid())
    early = h.client.correlate("payment", "A", {"amount": 5}, ttl=dt.timedelta(minutes=5))
    assert early.instance_ids == () and early.buffered_id is not None
    expired = h.client.correlate("payment", "B", ttl=dt.timedelta(minutes=1))
    a = h.client.start("order", {"orderId": "A"})
    info = h.client.instance(a)
    assert info.status == "completed" and info.variables["amount"] == 5
    h.clock.advance("PT2M")
    b = h.client.start("order", {"orderId": "B"})
    assert h.client.instance(b).status == "active"  # its message expired
    assert expired.buffered_id is not None
    dropped = h.client.correlate("payment", "C", ttl=dt.timedelta(0))
    assert dropped.instance_ids == () and dropped.buffered_id is None
    h.close()


def test_at_most_one_instance_consumes_a_message(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(paid())
    first = h.client.start("order", {"orderId": "same"})
    second = h.client.start("order", {"orderId": "same"})
    assert h.client.correlate("payment", "same").instance_ids == (first,)
    assert h.client.instance(second).status == "active"
    h.client.correlate("payment", "same", ttl=dt.timedelta(minutes=5))
    third = h.client.start("order", {"orderId": "same"})
    # the buffered message went to one of the instances waiting then
    assert h.client.instance(second).status == "completed"
    assert h.client.instance(third).status == "active"
    h.close()


def test_message_start_events_with_and_without_a_unique_business_key(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(
        ProcessBuilder("claim").start("filed", message="claim filed").user_task("review").end("end")
    )
    one = h.client.correlate("claim filed", "c-1", {"amount": 7})
    assert one.started and len(one.instance_ids) == 1
    info = h.client.instance(one.instance_ids[0])
    assert info.business_key == "c-1" and info.variables == {"amount": 7}
    again = h.client.correlate("claim filed", "c-1", unique=True, ttl=dt.timedelta(0))
    assert again.instance_ids == ()  # an active instance has that business key
    other = h.client.correlate("claim filed", "c-1", unique=False)
    assert other.started
    assert len(h.client.instances(process_id="claim")) == 2
    h.close()


def test_a_message_thrown_by_a_model_reaches_the_waiting_instance(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(paid())
    h.client.deploy(
        ProcessBuilder("payer")
        .start("start")
        .throw("pay", message="payment", correlation_key="=orderId")
        .end("end")
    )
    order = h.client.start("order", {"orderId": "X"})
    payer = h.client.start("payer", {"orderId": "X", "amount": 3})
    assert h.client.instance(payer).status == "completed"
    assert h.client.instance(order).status == "active"  # the outbox job is not done yet
    h.run()
    assert h.client.instance(order).status == "completed"
    h.close()


def signalled() -> ProcessBuilder:
    return ProcessBuilder("listener").start("start").catch("go", signal="go").end("end")


def test_signals_reach_every_waiting_instance_and_start_signal_start_events(
    db: Database,
) -> None:
    h = Harness(db)
    h.client.deploy(signalled())
    h.client.deploy(ProcessBuilder("alarm").start("on", signal="go").end("end"))
    ids = [h.client.start("listener") for _ in range(3)]
    reached = h.client.signal("go", {"level": 2})
    assert set(ids) <= set(reached) and len(reached) == 4
    for iid in ids:
        info = h.client.instance(iid)
        assert info.status == "completed" and info.variables == {"level": 2}
    assert len(h.client.instances(process_id="alarm")) == 1
    assert h.client.signal("go") == [
        i.id for i in h.client.instances(process_id="alarm") if i.id not in reached
    ]
    h.close()


def test_a_signal_thrown_by_a_model_is_broadcast_by_the_node(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(signalled())
    h.client.deploy(ProcessBuilder("shouter").start("start").throw("shout", signal="go").end("end"))
    waiting = [h.client.start("listener") for _ in range(2)]
    h.client.start("shouter")
    h.run()
    assert all(h.client.instance(i).status == "completed" for i in waiting)
    h.close()
