"""What Camunda 7 models ask of the engine: a receive task without a message waits until
it is triggered, a value expression is a service task's result, an error end event
without an error is caught only by catch-all boundaries and is part of the path."""

from __future__ import annotations

import pytest

from regista.bpmn import ProcessBuilder, parse
from regista.engine import CommandRejected, TriggerElement

from .harness import Harness


def test_a_receive_task_without_a_message_waits_until_triggered(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start("s").receive_task("wait").end("e").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.active == ["wait"]
    assert not h.state.waits  # nothing in the store: no subscription, job or timer
    h.apply(TriggerElement("wait", {"answer": 42}))
    assert h.status == "completed"
    assert h.passed == ["s", "wait", "e"]
    assert h.variables == {"answer": 42}


def test_triggering_what_does_not_wait_for_a_trigger_is_refused(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start("s").user_task("u").receive_task("wait").end().build()
    h = Harness(defs, roundtrip=roundtrip).start()
    for element in ("u", "wait", "nothing"):
        with pytest.raises(CommandRejected, match="nothing waits to be triggered"):
            h.apply(TriggerElement(element))
    assert h.active == ["u"]


def test_the_oldest_waiting_token_is_triggered_first(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start("s")
        .parallel_gateway("fork")
        .receive_task("wait")
        .parallel_gateway("join")
        .end("e")
        .move_to("fork")
        .connect_to("wait")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.active == ["wait", "wait"]
    h.apply(TriggerElement("wait"))
    assert h.active == ["wait"]
    h.apply(TriggerElement("wait"))
    assert h.status == "completed"


_C7 = """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
 xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
 <process id="p" isExecutable="true">
  <startEvent id="s"/>
  <sequenceFlow sourceRef="s" targetRef="calc"/>
  <serviceTask id="calc" camunda:expression="${amount * 2}" camunda:resultVariable="double"/>
  <sequenceFlow sourceRef="calc" targetRef="sub"/>
  <subProcess id="sub">
   <startEvent id="ss"/>
   <sequenceFlow sourceRef="ss" targetRef="fail"/>
   <endEvent id="fail"><errorEventDefinition/></endEvent>
  </subProcess>
  <sequenceFlow sourceRef="sub" targetRef="ok"/>
  <endEvent id="ok"/>
  <boundaryEvent id="specific" attachedToRef="sub">
   <errorEventDefinition errorRef="E"/>
  </boundaryEvent>
  <sequenceFlow sourceRef="specific" targetRef="wrong"/>
  <endEvent id="wrong"/>
  %s
 </process>
 <error id="E" errorCode="E"/>
</definitions>"""

_CATCH_ALL = """<boundaryEvent id="any" attachedToRef="sub"><errorEventDefinition/></boundaryEvent>
  <sequenceFlow sourceRef="any" targetRef="caught"/><endEvent id="caught"/>"""


def test_a_value_expression_and_a_codeless_error_end_event(roundtrip: bool) -> None:
    defs = parse(_C7 % _CATCH_ALL)
    h = Harness(defs, roundtrip=roundtrip).start(variables={"amount": 21})
    assert h.status == "completed"
    assert h.variables["double"] == 42
    assert h.passed == ["s", "calc", "ss", "fail", "any", "caught"]


def test_a_codeless_error_is_not_caught_by_a_specific_boundary(roundtrip: bool) -> None:
    h = Harness(parse(_C7 % ""), roundtrip=roundtrip).start(variables={"amount": 1})
    assert h.status != "completed"
    assert [i.element_id for i in h.state.incidents] == ["fail"]
    assert "fail" not in h.passed and "specific" not in h.passed
