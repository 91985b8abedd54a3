"""Events: start, end, intermediate catch and throw, links, start triggers."""

from __future__ import annotations

import datetime as dt

import pytest

from regista.bpmn import ProcessBuilder, parse
from regista.engine import (
    BroadcastSignal,
    CommandRejected,
    PublishMessage,
    ScheduleTimer,
    StartInstance,
    start_triggers,
)

from .harness import START, Harness


def test_message_and_signal_start_events_are_chosen_by_the_shell(roundtrip: bool) -> None:
    builder = ProcessBuilder("p")
    builder.start("plain").end("e1")
    builder.start("by_message", message="order-placed").end("e2")
    builder.start("by_signal", signal="go").end("e3")
    builder.start("by_timer", cycle="R/PT1H").end("e4")
    builder.start("by_condition", condition="=x > 1").end("e5")
    defs = builder.build()
    triggers = {t.start_event_id: t for t in start_triggers(defs)}
    assert triggers["plain"].kind == "none"
    assert (triggers["by_message"].kind, triggers["by_message"].name) == (
        "message",
        "order-placed",
    )
    assert (triggers["by_signal"].kind, triggers["by_signal"].name) == ("signal", "go")
    assert triggers["by_timer"].timer is not None
    assert triggers["by_condition"].condition is not None
    h = Harness(defs, roundtrip=roundtrip).start(
        variables={"orderId": 1}, start_event_id="by_message"
    )
    assert h.passed == ["by_message", "e2"]
    assert h.variables == {"orderId": 1}
    plain = Harness(defs, roundtrip=roundtrip).start()
    assert plain.passed == ["plain", "e1"]


def test_unknown_start_event_and_process_are_rejected() -> None:
    defs = ProcessBuilder("p").start("s").end().build()
    h = Harness(defs)
    with pytest.raises(CommandRejected, match="not a start event"):
        h.apply(StartInstance("p", start_event_id="nope"))
    with pytest.raises(CommandRejected, match="no process 'q'"):
        h.apply(StartInstance("q"))


def test_terminate_end_event_ends_every_token(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .parallel_gateway("fork")
        .service_task("slow", type="slow")
        .end("normal")
        .move_to("fork")
        .end("kill", terminate=True)
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "terminated"
    assert "slow" not in h.passed
    assert not h.jobs
    kinds = [e.kind for e in h.history[h.state.id]]
    assert kinds[-1] == "instance_ended"


def test_terminate_end_event_in_a_subprocess_completes_the_subprocess(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .subprocess("sub")
        .start("ss")
        .parallel_gateway("fork")
        .user_task("wait")
        .end("inner")
        .move_to("fork")
        .end("stop", terminate=True)
        .end_subprocess()
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "completed"
    assert h.passed[-3:] == ["stop", "sub", "e"]
    assert not h.tasks


def test_message_and_signal_throw_and_end_events(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .throw("announce", message="hello")
        .throw("flare", signal="alarm")
        .throw("nothing")
        .end("bye", message="goodbye")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "completed"
    assert [e.name for e in h.effects if isinstance(e, PublishMessage)] == ["hello", "goodbye"]
    assert [e.name for e in h.effects if isinstance(e, BroadcastSignal)] == ["alarm"]


def test_signal_end_event(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start().end("e", signal="done").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    assert [e.name for e in h.effects if isinstance(e, BroadcastSignal)] == ["done"]


def test_message_throw_with_job_type_waits_for_the_job(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start().end("e", message="m", type="publisher").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.job("e").type == "publisher"
    h.complete_job("e")
    assert h.status == "completed"


def test_intermediate_message_catch(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .catch("wait", message="ping", correlation_key="=key")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"key": "k1"})
    assert h.active == ["wait"]
    sub = next(iter(h.subscriptions.values()))[1]
    assert (sub.name, sub.correlation_key) == ("ping", "k1")
    h.correlate("ping", "k1", {"pong": True})
    assert h.status == "completed"
    assert h.variables["pong"] is True


@pytest.mark.parametrize(
    ("kwargs", "due"),
    [
        ({"duration": "PT10M"}, START + dt.timedelta(minutes=10)),
        ({"duration": '=duration("PT2H")'}, START + dt.timedelta(hours=2)),
        ({"date": "2026-01-02T00:00:00Z"}, dt.datetime(2026, 1, 2, tzinfo=dt.UTC)),
        (
            {"date": '=date and time("2026-01-03T00:00:00Z")'},
            dt.datetime(2026, 1, 3, tzinfo=dt.UTC),
        ),
        ({"duration": "P1M"}, START.replace(month=2)),
    ],
)
def test_intermediate_timer_catch(
    roundtrip: bool, kwargs: dict[str, str], due: dt.datetime
) -> None:
    defs = ProcessBuilder("p").start().catch("wait", **kwargs).end("e").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    schedule = [e for e in h.effects if isinstance(e, ScheduleTimer)]
    assert [s.due for s in schedule] == [due]
    h.advance(due - START - dt.timedelta(seconds=1))
    assert h.status == "active"
    h.advance(dt.timedelta(seconds=1))
    assert h.status == "completed"


def test_bad_timer_is_an_incident() -> None:
    defs = ProcessBuilder("p").start().catch("wait", duration="ten minutes").end().build()
    h = Harness(defs).start()
    assert h.status == "incident"
    assert "ISO 8601" in h.state.incidents[0].message


def test_intermediate_signal_catch(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start().catch("wait", signal="go").end("e").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    h.signal("go", {"from": "ops"})
    assert h.status == "completed"
    assert h.variables == {"from": "ops"}


def test_conditional_catch_passes_when_true_and_waits_otherwise(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start().catch("wait", condition="=ready = true").end("e").build()
    now = Harness(defs, roundtrip=roundtrip).start(variables={"ready": True})
    assert now.status == "completed"
    later = Harness(defs, roundtrip=roundtrip).start(variables={"ready": False})
    assert later.active == ["wait"]
    later.set_variables({"other": 1})
    assert later.status == "active"
    later.set_variables({"ready": True})
    assert later.status == "completed"


def test_conditional_catch_fires_on_variables_from_a_job(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .parallel_gateway("f")
        .catch("wait", condition="=count >= 2")
        .end("e1")
        .move_to("f")
        .service_task("t", type="t")
        .end("e2")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"count": 0})
    h.complete_job("t", {"count": 2})
    assert h.status == "completed"


def test_link_events_jump_within_the_scope(roundtrip: bool) -> None:
    xml = """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
      <process id="p" isExecutable="true">
        <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="go"/>
        <intermediateThrowEvent id="go"><linkEventDefinition name="next"/>
        </intermediateThrowEvent>
        <intermediateCatchEvent id="land"><linkEventDefinition name="next"/>
        </intermediateCatchEvent>
        <sequenceFlow id="f2" sourceRef="land" targetRef="e"/><endEvent id="e"/>
      </process></definitions>"""
    h = Harness(parse(xml), roundtrip=roundtrip).start()
    assert h.status == "completed"
    assert h.passed == ["s", "go", "land", "e"]


def test_link_throw_without_catch_is_an_incident() -> None:
    defs = ProcessBuilder("p").start().throw("go", link="nowhere").build()
    h = Harness(defs).start()
    assert h.status == "incident"
    assert "link" in h.state.incidents[0].message


def test_escalation_throw_uncaught_goes_on(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .throw("esc", escalation="LATE")
        .end("e", escalation="LATE")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "completed"
    assert h.passed[-2:] == ["esc", "e"]


def test_start_event_output_mappings(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start("s", message="go").output("orderId", "=id").end().build()
    h = Harness(defs, roundtrip=roundtrip).start(variables={"id": 7}, start_event_id="s")
    assert h.variables == {"id": 7, "orderId": 7}
