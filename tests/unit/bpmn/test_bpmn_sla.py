"""SLA targets in a model: `regista:sla` on a process or flow node, or the extension
property `regista.sla` (zeebe:/camunda:properties), read into `Process.sla_targets`;
a target that is not a positive days-and-time duration is a validation error naming the
element and its line."""

from __future__ import annotations

import datetime as dt

import pytest

from regista.bpmn import parse, validate
from regista.bpmn.sla import SlaError, parse_target

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:regista="http://regista.dev/schema/bpmn/1.0" targetNamespace="t">"""


def model(process_attrs: str = "", task_ext: str = "", task_attrs: str = "") -> str:
    return f"""{HEAD}
  <process id="p" isExecutable="true" {process_attrs}>
    <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    <userTask id="t" {task_attrs}><extensionElements>{task_ext}</extensionElements></userTask>
    <sequenceFlow id="f2" sourceRef="t" targetRef="e"/><endEvent id="e"/>
  </process>
</definitions>"""


def test_the_attribute_and_the_zeebe_property_set_targets() -> None:
    text = model(
        'regista:sla="P1DT2H"',
        '<zeebe:properties><zeebe:property name="regista.sla" value="PT30M"/></zeebe:properties>',
    )
    targets = parse(text).processes["p"].sla_targets
    assert targets == {"p": dt.timedelta(days=1, hours=2), "t": dt.timedelta(minutes=30)}


def test_a_camunda_7_property_sets_a_target_and_wins_over_the_attribute() -> None:
    text = model(
        task_attrs='regista:sla="PT5H"',
        task_ext='<camunda:properties><camunda:property name="regista.sla" value="PT4H"/>'
        "</camunda:properties>",
    )
    assert parse(text).processes["p"].sla_targets == {"t": dt.timedelta(hours=4)}


def test_no_target_no_entry() -> None:
    assert parse(model()).processes["p"].sla_targets == {}


@pytest.mark.parametrize(
    ("text", "says"),
    [("soon", "not an ISO 8601 duration"), ("P1M", "years or months"), ("PT0S", "longer")],
)
def test_a_bad_target_is_a_validation_error_at_the_element(text: str, says: str) -> None:
    defs = parse(model(task_attrs=f'regista:sla="{text}"'))
    assert defs.processes["p"].sla_targets == {}
    errors = [p for p in validate(defs) if p.severity == "error"]
    assert len(errors) == 1
    assert errors[0].element_id == "t" and errors[0].line is not None
    assert says in errors[0].message


def test_parse_target() -> None:
    assert parse_target(" PT1.5S ") == dt.timedelta(seconds=1.5)
    with pytest.raises(SlaError, match="P30D"):
        parse_target("P1Y")
