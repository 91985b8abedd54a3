"""Job types nothing will do are warnings: connector types Regista does not ship, and,
when the worker modules are known, types no worker handles."""

from __future__ import annotations

from regista.bpmn import parse
from regista.connectors import HTTP_JSON
from regista.connectors.checks import unknown_job_types

XML = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s"/>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
  <bpmn:serviceTask id="a"><bpmn:extensionElements><zeebe:taskDefinition type="charge"/>
  </bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="b"/>
  <bpmn:serviceTask id="b"><bpmn:extensionElements><zeebe:taskDefinition type="TYPE_B"/>
  </bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="c"/>
  <bpmn:serviceTask id="c"><bpmn:extensionElements><zeebe:taskDefinition type="=kind"/>
  </bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:sequenceFlow id="f4" sourceRef="c" targetRef="e"/>
  <bpmn:endEvent id="e"/>
</bpmn:process></bpmn:definitions>"""


def test_without_known_workers_only_unknown_connector_types_warn() -> None:
    assert unknown_job_types(parse(XML.replace("TYPE_B", HTTP_JSON).encode())) == []
    found = unknown_job_types(parse(XML.replace("TYPE_B", "io.camunda:slack:1").encode()))
    assert [(p.severity, p.element_id) for p in found] == [("warning", "b")]
    assert "no connector has the job type 'io.camunda:slack:1'" in found[0].message


def test_with_known_workers_a_type_no_worker_handles_is_a_warning() -> None:
    definitions = parse(XML.replace("TYPE_B", "ship").encode())
    found = unknown_job_types(definitions, ["charge"])
    assert [(p.severity, p.element_id) for p in found] == [("warning", "b")]
    assert "'ship'" in found[0].message and "charge" in found[0].message
    assert unknown_job_types(definitions, ["charge", "ship"]) == []
