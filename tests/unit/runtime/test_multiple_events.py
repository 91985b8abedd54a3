"""Events with several event definitions, as BPMN 2.0 defines them (the SpiffWorkflow
cases): a multiple start event starts on any of its events, a multiple catch event (and
boundary event) goes on at the first of its events, a parallel multiple one only when each
has happened, and a multiple throw event throws every one of its events."""

from __future__ import annotations

import pytest

from regista.runtime.sources import DeploymentError
from regista.testing import FakeClock, LocalRuntime

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="t">'
    '<message id="m_a" name="a"/><message id="m_b" name="b"/><signal id="sig" name="go"/>'
)


def runtime(body: str) -> LocalRuntime:
    rt = LocalRuntime(FakeClock())
    rt.deploy(HEAD + body + "</definitions>")
    return rt


MULTIPLE_START = """
<process id="p" isExecutable="true">
  <startEvent id="s"><messageEventDefinition messageRef="m_a"/>
    <signalEventDefinition signalRef="sig"/></startEvent>
  <sequenceFlow id="f" sourceRef="s" targetRef="t"/><userTask id="t"/>
</process>"""


def test_a_multiple_start_event_starts_an_instance_on_any_of_its_events() -> None:
    rt = runtime(MULTIPLE_START)
    rt.correlate("a")
    assert len(rt.instances()) == 1
    rt.broadcast_signal("go")
    assert len(rt.instances()) == 2
    assert {t.element_id for t in rt.tasks()} == {"t"}


def catching(parallel: bool) -> str:
    flag = ' parallelMultiple="true"' if parallel else ""
    return f"""
<process id="p" isExecutable="true">
  <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="c"/>
  <intermediateCatchEvent id="c"{flag}>
    <messageEventDefinition messageRef="m_a"/><signalEventDefinition signalRef="sig"/>
    <timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition>
  </intermediateCatchEvent>
  <sequenceFlow id="f2" sourceRef="c" targetRef="t"/><userTask id="t"/>
</process>"""


def test_a_multiple_catch_event_goes_on_at_the_first_of_its_events() -> None:
    rt = runtime(catching(parallel=False))
    iid = rt.start("p")
    assert len(rt.subscriptions(iid)) == 2 and len(rt.timers(iid)) == 1
    rt.broadcast_signal("go", {"by": "signal"})
    (task,) = rt.tasks(iid)
    assert task.element_id == "t" and task.variables == {"by": "signal"}
    assert rt.subscriptions(iid) == [] and rt.timers(iid) == []


def test_a_multiple_catch_event_can_go_on_at_its_timer() -> None:
    rt = runtime(catching(parallel=False))
    iid = rt.start("p")
    rt.advance("PT1H")
    assert [t.element_id for t in rt.tasks(iid)] == ["t"]
    assert rt.subscriptions(iid) == []


def test_a_parallel_multiple_catch_event_waits_for_each_of_its_events() -> None:
    rt = runtime(catching(parallel=True))
    iid = rt.start("p")
    rt.correlate("a", variables={"first": 1})
    assert rt.tasks(iid) == []
    rt.broadcast_signal("go", {"second": 2})
    assert rt.tasks(iid) == []
    rt.advance("PT1H")
    (task,) = rt.tasks(iid)
    assert task.variables == {"first": 1, "second": 2}
    assert rt.passed_in_tree(iid) == ["s", "c"]


BOUNDARY = """
<process id="p" isExecutable="true">
  <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="work"/>
  <userTask id="work"/><sequenceFlow id="f2" sourceRef="work" targetRef="e"/><endEvent id="e"/>
  <boundaryEvent id="b" attachedToRef="work">
    <messageEventDefinition messageRef="m_b"/><signalEventDefinition signalRef="sig"/>
  </boundaryEvent>
  <sequenceFlow id="f3" sourceRef="b" targetRef="escalated"/><userTask id="escalated"/>
</process>"""


def test_a_multiple_boundary_event_interrupts_at_the_first_of_its_events() -> None:
    rt = runtime(BOUNDARY)
    iid = rt.start("p")
    rt.correlate("b")
    assert [t.element_id for t in rt.tasks(iid)] == ["escalated"]
    assert rt.subscriptions(iid) == []


THROW = """
<process id="thrower" isExecutable="true">
  <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="both"/>
  <intermediateThrowEvent id="both">
    <signalEventDefinition signalRef="sig"/><messageEventDefinition messageRef="m_a"/>
  </intermediateThrowEvent>
  <sequenceFlow id="f2" sourceRef="both" targetRef="e"/><endEvent id="e"/>
</process>
<process id="on_signal" isExecutable="true">
  <startEvent id="s1"><signalEventDefinition signalRef="sig"/></startEvent>
  <sequenceFlow id="g1" sourceRef="s1" targetRef="t1"/><userTask id="t1"/>
</process>
<process id="on_message" isExecutable="true">
  <startEvent id="s2"><messageEventDefinition messageRef="m_a"/></startEvent>
  <sequenceFlow id="g2" sourceRef="s2" targetRef="t2"/><userTask id="t2"/>
</process>"""


def test_a_multiple_throw_event_throws_each_of_its_events() -> None:
    rt = runtime(THROW)
    iid = rt.start("thrower")
    assert rt.instance(iid).status == "completed"
    assert sorted(t.element_id for t in rt.tasks()) == ["t1", "t2"]


def test_a_parallel_multiple_start_event_is_refused_with_a_way_out() -> None:
    body = MULTIPLE_START.replace(
        '<startEvent id="s">', '<startEvent id="s" parallelMultiple="true">'
    )
    with pytest.raises(DeploymentError, match="parallel multiple start event"):
        runtime(body)


def test_an_error_definition_does_not_combine_with_others() -> None:
    body = """<error id="err" errorCode="E"/>
<process id="p" isExecutable="true">
  <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="e"/>
  <endEvent id="e"><errorEventDefinition errorRef="err"/><signalEventDefinition signalRef="sig"/>
  </endEvent>
</process>"""
    with pytest.raises(DeploymentError, match="error event definition cannot be combined"):
        runtime(body)
