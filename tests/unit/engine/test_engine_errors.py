"""BPMN errors and escalations: propagation to boundaries and event subprocesses."""

from __future__ import annotations

from regista.bpmn import ProcessBuilder, build_definitions
from regista.engine import NotifyParent

from .harness import Harness


def test_worker_error_is_caught_by_the_task_boundary(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .service_task("charge", type="pay")
        .end("ok")
        .boundary_event("declined", attached_to="charge", error="CARD_DECLINED")
        .end("rejected")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.throw_error("charge", "CARD_DECLINED", {"detail": "x"})
    assert h.status == "completed"
    assert h.passed[-2:] == ["declined", "rejected"]
    assert h.variables == {"detail": "x"}


def test_uncaught_worker_error_is_an_incident_and_resolving_recreates_the_job(
    roundtrip: bool,
) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .service_task("charge", type="pay")
        .end("ok")
        .boundary_event("declined", attached_to="charge", error="CARD_DECLINED")
        .end("rejected")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.throw_error("charge", "OTHER")
    assert h.status == "incident"
    assert "OTHER" in h.state.incidents[0].message
    assert h.active == ["charge"]
    h.resolve()
    h.complete_job("charge")
    assert h.status == "completed"
    assert h.passed[-1] == "ok"


def _nested(catch: str | bool) -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .user_task("inner")
        .end("boom", error="E1")
        .end_subprocess()
        .end("ok")
        .boundary_event("caught", attached_to="sub", error=catch)
        .end("handled")
    )


def test_error_end_event_walks_out_to_the_subprocess_boundary(roundtrip: bool) -> None:
    h = Harness(_nested("E1").build(), roundtrip=roundtrip).start()
    h.complete_task("inner")
    assert h.status == "completed"
    assert h.passed == ["s", "ss", "inner", "boom", "caught", "handled"]
    events = h.history[h.state.id]
    terminated = [e.element_id for e in events if e.kind == "element_terminated"]
    assert terminated == ["sub"]
    # The error end event completed, like every end event, before the error left it.
    assert "boom" in [e.element_id for e in events if e.kind == "element_completed"]


def test_an_uncaught_error_end_event_is_an_incident_not_part_of_the_path(roundtrip: bool) -> None:
    # The boundary catches another code: E1 stays an incident at the end event.
    h = Harness(_nested("OTHER").build(), roundtrip=roundtrip).start()
    h.complete_task("inner")
    assert "boom" not in h.passed
    assert [i.element_id for i in h.state.incidents] == ["boom"]


def test_catch_all_boundary_catches_any_code(roundtrip: bool) -> None:
    h = Harness(_nested(True).build(), roundtrip=roundtrip).start()
    h.complete_task("inner")
    assert h.passed[-2:] == ["caught", "handled"]


def test_specific_catch_wins_over_catch_all(roundtrip: bool) -> None:
    defs = (
        _nested(True)
        .boundary_event("specific", attached_to="sub", error="E1")
        .end("precise")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.complete_task("inner")
    assert h.passed[-2:] == ["specific", "precise"]


def test_uncaught_error_end_event_is_an_incident(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start().end("boom", error="E9").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "incident"
    assert "E9" in h.state.incidents[0].message
    assert h.active == ["boom"]


def test_error_event_subprocess_catches_inside_its_scope(roundtrip: bool) -> None:
    builder = ProcessBuilder("p").start("s").service_task("t", type="w").end("ok")
    builder.event_subprocess("handler").start("on_error", error="E1").end("cleaned")
    builder.end_subprocess()
    defs = builder.build()
    h = Harness(defs, roundtrip=roundtrip).start()
    h.throw_error("t", "E1", {"why": "bad"})
    assert h.status == "completed"
    assert h.passed == ["s", "on_error", "cleaned", "handler"]
    assert h.variables == {"why": "bad"}


def test_error_variables_camunda7(roundtrip: bool) -> None:
    xml = """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
        xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d">
      <error id="err" errorCode="E1"/>
      <process id="p" isExecutable="true">
        <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
        <serviceTask id="t" camunda:type="external" camunda:topic="w"/>
        <sequenceFlow id="f2" sourceRef="t" targetRef="e"/><endEvent id="e"/>
        <boundaryEvent id="b" attachedToRef="t">
          <errorEventDefinition errorRef="err" camunda:errorCodeVariable="code"
              camunda:errorMessageVariable="msg"/>
        </boundaryEvent>
        <sequenceFlow id="f3" sourceRef="b" targetRef="e2"/><endEvent id="e2"/>
      </process></definitions>"""
    from regista.bpmn import parse

    h = Harness(parse(xml), roundtrip=roundtrip).start()
    h.throw_error("t", "E1")
    assert h.variables == {"code": "E1", "msg": "thrown"}


def test_escalation_boundary_non_interrupting_lets_the_subprocess_go_on(
    roundtrip: bool,
) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .subprocess("sub")
        .start("ss")
        .throw("raise", escalation="LATE")
        .user_task("finish")
        .end("se")
        .end_subprocess()
        .end("ok")
        .boundary_event("noted", attached_to="sub", interrupting=False, escalation="LATE")
        .end("informed")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert "noted" in h.passed and "informed" in h.passed
    assert h.active == ["finish"]
    h.complete_task("finish")
    assert h.status == "completed"


def test_escalation_boundary_interrupting_ends_the_subprocess(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .subprocess("sub")
        .start("ss")
        .throw("raise", escalation="LATE")
        .user_task("finish")
        .end("se")
        .end_subprocess()
        .end("ok")
        .boundary_event("stop", attached_to="sub", escalation="LATE")
        .end("stopped")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "completed"
    assert "finish" not in h.passed
    assert h.passed[-2:] == ["stop", "stopped"]


def test_escalation_event_subprocess(roundtrip: bool) -> None:
    builder = (
        ProcessBuilder("p").start("s").throw("raise", escalation="X").user_task("go_on").end("e")
    )
    builder.event_subprocess("esp").start("on_x", escalation="X", interrupting=False)
    builder.end("handled").end_subprocess()
    h = Harness(builder.build(), roundtrip=roundtrip).start()
    assert "handled" in h.passed
    assert h.active == ["go_on"]


def _called() -> tuple[ProcessBuilder, ProcessBuilder]:
    parent = (
        ProcessBuilder("parent")
        .start("s")
        .call_activity("call", process_id="child")
        .end("ok")
        .boundary_event("failed", attached_to="call", error="CHILD_ERR")
        .end("recovered")
    )
    child = (
        ProcessBuilder("child", id_prefix="c_")
        .start("cs")
        .user_task("inner")
        .end("boom", error="CHILD_ERR")
    )
    return parent, child


def test_error_in_a_called_instance_reaches_the_call_activity(roundtrip: bool) -> None:
    parent, child = _called()
    defs = build_definitions(parent, child)
    h = Harness(defs, roundtrip=roundtrip).start("parent")
    h.complete_task("inner")
    child_state = next(s for s in h.states.values() if s.process_id == "child")
    assert child_state.status == "terminated"
    assert any(isinstance(e, NotifyParent) and e.outcome == "error" for e in h.effects)
    assert h.status == "completed"
    assert h.passed[-2:] == ["failed", "recovered"]


def test_error_from_a_called_instance_uncaught_in_the_parent_is_an_incident(
    roundtrip: bool,
) -> None:
    parent = ProcessBuilder("parent").start("s").call_activity("call", process_id="child").end("ok")
    child = ProcessBuilder("child", id_prefix="c_").start("cs").end("boom", error="E")
    h = Harness(build_definitions(parent, child), roundtrip=roundtrip).start("parent")
    assert h.status == "incident"
    assert h.active == ["call"]


def test_escalation_from_a_called_instance(roundtrip: bool) -> None:
    parent = (
        ProcessBuilder("parent")
        .start("s")
        .call_activity("call", process_id="child")
        .end("ok")
        .boundary_event("esc", attached_to="call", escalation="UP", interrupting=False)
        .end("noted")
    )
    child = (
        ProcessBuilder("child", id_prefix="c_")
        .start("cs")
        .throw("t", escalation="UP")
        .user_task("w")
        .end("ce")
    )
    h = Harness(build_definitions(parent, child), roundtrip=roundtrip).start("parent")
    assert h.passed[-2:] == ["esc", "noted"]
    assert h.active == ["call"]
    h.complete_task("w")
    assert h.status == "completed"
