"""Conditional start events, conditional event filters (`camunda:variableName` /
`camunda:variableEvents`), and instances started through instantiating receive tasks and
event-based gateways."""

from __future__ import annotations

from regista.bpmn import parse, validate
from regista.engine import StartInstance, conditional_starts, start_triggers

from .harness import Harness

NS = (
    'xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
)


def _model(body: str, extra: str = "") -> str:
    return f"""<definitions {NS} id="d" targetNamespace="t">
  {extra}
  <process id="p" isExecutable="true">{body}</process>
</definitions>"""


def _boundary_model(filters: str, interrupting: bool) -> str:
    cancel = "true" if interrupting else "false"
    return _model(
        f"""
    <startEvent id="s"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="work"/>
    <userTask id="work"/>
    <sequenceFlow id="f2" sourceRef="work" targetRef="e"/>
    <endEvent id="e"/>
    <boundaryEvent id="cond" attachedToRef="work" cancelActivity="{cancel}">
      <conditionalEventDefinition {filters}>
        <condition xsi:type="tFormalExpression">${{x &gt; 5}}</condition>
      </conditionalEventDefinition>
    </boundaryEvent>
    <sequenceFlow id="f3" sourceRef="cond" targetRef="extra"/>
    <userTask id="extra"/>
    <sequenceFlow id="f4" sourceRef="extra" targetRef="e2"/>
    <endEvent id="e2"/>"""
    )


def _extras(h: Harness) -> int:
    return sum(1 for _, task in h.tasks.values() if task.element_id == "extra")


def test_variable_name_filter_looks_only_at_that_variable(roundtrip: bool) -> None:
    defs = parse(_boundary_model('camunda:variableName="x"', interrupting=False))
    h = Harness(defs, roundtrip=roundtrip).start(variables={"x": 0})
    h.set_variables({"y": 10})
    assert _extras(h) == 0
    h.set_variables({"x": 6})
    assert _extras(h) == 1
    # Camunda 7: each matching change evaluates the condition and fires while it holds.
    h.set_variables({"x": 7})
    assert _extras(h) == 2
    h.set_variables({"y": 11})
    assert _extras(h) == 2
    h.set_variables({"x": 1})
    assert _extras(h) == 2
    assert h.active.count("work") == 1


def test_without_a_filter_a_condition_fires_when_it_turns_true(roundtrip: bool) -> None:
    defs = parse(_boundary_model("", interrupting=False))
    h = Harness(defs, roundtrip=roundtrip).start(variables={"x": 0})
    h.set_variables({"x": 6})
    h.set_variables({"x": 7})
    h.set_variables({"y": 1})
    assert _extras(h) == 1
    h.set_variables({"x": 0})
    h.set_variables({"x": 9})
    assert _extras(h) == 2


def test_variable_events_filter_create_only(roundtrip: bool) -> None:
    defs = parse(_boundary_model('camunda:variableEvents="create"', interrupting=True))
    updated = Harness(defs, roundtrip=roundtrip).start(variables={"x": 0})
    updated.set_variables({"x": 10})  # an update: not looked at
    assert updated.active == ["work"]
    created = Harness(defs, roundtrip=roundtrip).start()
    created.set_variables({"x": 10})  # created: fires and interrupts the task
    assert created.active == ["extra"]
    assert created.tasks and all(t.element_id == "extra" for _, t in created.tasks.values())


def test_variable_events_filter_update_on_a_subprocess_variable(roundtrip: bool) -> None:
    defs = parse(_boundary_model('camunda:variableName="x" camunda:variableEvents="update"', True))
    h = Harness(defs, roundtrip=roundtrip).start()
    h.set_variables({"x": 10})  # created, not updated
    assert h.active == ["work"]
    h.set_variables({"x": 11})
    assert h.active == ["extra"]


def test_a_change_the_event_cannot_see_does_not_trigger_it(roundtrip: bool) -> None:
    xml = _model(
        """
    <startEvent id="s"/>
    <sequenceFlow id="f0" sourceRef="s" targetRef="f"/>
    <parallelGateway id="f"/>
    <sequenceFlow id="f1" sourceRef="f" targetRef="left"/>
    <subProcess id="left">
      <startEvent id="ls"/>
      <sequenceFlow id="l1" sourceRef="ls" targetRef="a"/>
      <userTask id="a"/>
      <sequenceFlow id="l2" sourceRef="a" targetRef="le"/>
      <endEvent id="le"/>
    </subProcess>
    <sequenceFlow id="f2" sourceRef="left" targetRef="e1"/>
    <endEvent id="e1"/>
    <sequenceFlow id="f3" sourceRef="f" targetRef="b"/>
    <userTask id="b"/>
    <sequenceFlow id="f4" sourceRef="b" targetRef="e2"/>
    <endEvent id="e2"/>
    <boundaryEvent id="cond" attachedToRef="b">
      <conditionalEventDefinition camunda:variableName="x">
        <condition xsi:type="tFormalExpression">${x == null || x &gt; 0}</condition>
      </conditionalEventDefinition>
    </boundaryEvent>
    <sequenceFlow id="f5" sourceRef="cond" targetRef="e3"/>
    <endEvent id="e3"/>"""
    )
    model = parse(xml)
    h = Harness(model, roundtrip=roundtrip).start(variables={"x": 0})
    left = next(h.state.element_instances("left"))
    h.set_variables({"x": 5}, scope_id=left.id)  # local to the other branch
    assert sorted(h.active) == ["a", "b"]
    h.set_variables({"x": 5})
    assert h.active == ["a"]
    assert "e3" in h.passed


def test_conditional_catch_with_a_variable_name(roundtrip: bool) -> None:
    xml = _model(
        """
    <startEvent id="s"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <intermediateCatchEvent id="wait">
      <conditionalEventDefinition camunda:variableName="ready">
        <condition xsi:type="tFormalExpression">=ready = true or other = true</condition>
      </conditionalEventDefinition>
    </intermediateCatchEvent>
    <sequenceFlow id="f2" sourceRef="wait" targetRef="e"/>
    <endEvent id="e"/>"""
    )
    h = Harness(parse(xml), roundtrip=roundtrip).start()
    assert h.active == ["wait"]
    h.set_variables({"other": True})  # true now, but `other` is not the watched variable
    assert h.active == ["wait"]
    h.set_variables({"ready": False})
    assert h.status == "completed"


def test_conditional_start_events_hold_for_given_variables() -> None:
    xml = _model(
        """
    <startEvent id="big">
      <conditionalEventDefinition>
        <condition xsi:type="tFormalExpression">=amount &gt; 1000</condition>
      </conditionalEventDefinition>
    </startEvent>
    <sequenceFlow id="f1" sourceRef="big" targetRef="review"/>
    <userTask id="review"/>
    <sequenceFlow id="f2" sourceRef="review" targetRef="e"/>
    <endEvent id="e"/>"""
    )
    defs = parse(xml)
    h = Harness(defs)
    assert conditional_starts(defs, {"amount": 10}, h.ctx()) == []
    (trigger,) = conditional_starts(defs, {"amount": 5000}, h.ctx())
    assert (trigger.process_id, trigger.start_event_id, trigger.kind) == ("p", "big", "conditional")
    assert conditional_starts(defs, {}, h.ctx()) == []  # null > 1000 is null: false
    h.apply(StartInstance("p", {"amount": 5000}, start_event_id=trigger.start_event_id))
    assert h.active == ["review"]
    assert h.passed == ["big"]


MESSAGES = """<message id="m_order" name="order"/><message id="m_cancel" name="cancel"/>
  <signal id="sig" name="alarm"/>"""


def test_an_instantiating_receive_task_starts_the_process(roundtrip: bool) -> None:
    xml = _model(
        """
    <receiveTask id="receive" messageRef="m_order" instantiate="true"/>
    <sequenceFlow id="f1" sourceRef="receive" targetRef="handle"/>
    <userTask id="handle"/>
    <sequenceFlow id="f2" sourceRef="handle" targetRef="e"/>
    <endEvent id="e"/>""",
        MESSAGES,
    )
    defs = parse(xml)
    assert not [p for p in validate(defs) if p.severity == "error"]
    triggers = start_triggers(defs)
    assert [(t.start_event_id, t.kind, t.name) for t in triggers] == [
        ("receive", "message", "order")
    ]
    h = Harness(defs, roundtrip=roundtrip)
    h.apply(StartInstance("p", {"id": 7}, start_event_id="receive"))
    assert h.passed == ["receive"]
    assert h.active == ["handle"]
    assert h.subscriptions == {}
    assert h.variables == {"id": 7}


def test_an_instantiating_event_based_gateway_starts_at_the_event(roundtrip: bool) -> None:
    xml = _model(
        """
    <eventBasedGateway id="gw" instantiate="true"/>
    <sequenceFlow id="f1" sourceRef="gw" targetRef="order"/>
    <sequenceFlow id="f2" sourceRef="gw" targetRef="cancel"/>
    <sequenceFlow id="f3" sourceRef="gw" targetRef="alarm"/>
    <intermediateCatchEvent id="order"><messageEventDefinition messageRef="m_order"/>
    </intermediateCatchEvent>
    <receiveTask id="cancel" messageRef="m_cancel"/>
    <intermediateCatchEvent id="alarm"><signalEventDefinition signalRef="sig"/>
    </intermediateCatchEvent>
    <sequenceFlow id="f4" sourceRef="order" targetRef="e1"/>
    <sequenceFlow id="f5" sourceRef="cancel" targetRef="e2"/>
    <sequenceFlow id="f6" sourceRef="alarm" targetRef="e3"/>
    <endEvent id="e1"/><endEvent id="e2"/><endEvent id="e3"/>""",
        MESSAGES,
    )
    defs = parse(xml)
    assert not [p for p in validate(defs) if p.severity == "error"]
    assert [(t.start_event_id, t.kind, t.name) for t in start_triggers(defs)] == [
        ("order", "message", "order"),
        ("cancel", "message", "cancel"),
        ("alarm", "signal", "alarm"),
    ]
    for start, end in (("order", "e1"), ("cancel", "e2"), ("alarm", "e3")):
        h = Harness(defs, roundtrip=roundtrip)
        h.apply(StartInstance("p", {}, start_event_id=start))
        assert h.status == "completed"
        assert h.passed == ["gw", start, end]
        assert h.subscriptions == {}


def test_an_instantiating_gateway_with_incoming_flows_is_refused() -> None:
    xml = _model(
        """
    <startEvent id="s"/>
    <sequenceFlow id="f0" sourceRef="s" targetRef="gw"/>
    <eventBasedGateway id="gw" instantiate="true"/>
    <sequenceFlow id="f1" sourceRef="gw" targetRef="a"/>
    <sequenceFlow id="f2" sourceRef="gw" targetRef="b"/>
    <intermediateCatchEvent id="a"><messageEventDefinition messageRef="m_order"/>
    </intermediateCatchEvent>
    <intermediateCatchEvent id="b"><messageEventDefinition messageRef="m_cancel"/>
    </intermediateCatchEvent>
    <sequenceFlow id="f3" sourceRef="a" targetRef="e"/>
    <sequenceFlow id="f4" sourceRef="b" targetRef="e"/>
    <endEvent id="e"/>""",
        MESSAGES,
    )
    problems = [p for p in validate(parse(xml)) if p.severity == "error"]
    assert any("instantiating event-based gateway" in p.message for p in problems)
