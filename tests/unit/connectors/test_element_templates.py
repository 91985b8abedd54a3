"""The element templates Regista ships for its own connectors (element-templates/): valid
by Camunda's published JSON Schema for Zeebe element templates (tests/fixtures, MIT), each
for a job type a connector handles, and a model made by applying one — as the Modeler
does — deploys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from regista.bpmn import ProcessBuilder
from regista.connectors import Secrets, standard_connectors
from regista.connectors.consumers import KINDS
from regista.connectors.declarations import declarations
from regista.testing import FakeClock, LocalRuntime

ROOT = Path(__file__).resolve().parents[3]
ALL = json.loads((ROOT / "element-templates" / "regista-connectors.json").read_text())


def inbound_kind(template: dict[str, Any]) -> str | None:
    for prop in template["properties"]:
        if prop["binding"] == {"type": "zeebe:property", "name": "inbound.type"}:
            value: str = prop["value"]
            return value
    return None


TEMPLATES = [t for t in ALL if inbound_kind(t) is None]
INBOUND = [t for t in ALL if inbound_kind(t) is not None]
SCHEMA = json.loads(
    (ROOT / "tests/fixtures/element-templates/zeebe-element-templates-schema.json").read_text()
)

# the inputs each connector reads (its module docstring), by job type
READS = {
    "io.regista:mqtt:1": {"connection", "message"},
    "io.regista:nats:1": {"connection", "message"},
    "io.regista:redis-stream:1": {"connection", "message"},
    "io.regista:ai-chat:1": {
        "provider",
        "model",
        "systemPrompt",
        "userPrompt",
        "temperature",
        "maxTokens",
        "jsonSchema",
    },
}


def job_type(template: dict[str, Any]) -> str:
    for prop in template["properties"]:
        binding = prop["binding"]
        if binding["type"] == "zeebe:taskDefinition" and binding.get("property") == "type":
            value: str = prop["value"]
            return value
    raise AssertionError(f"{template['id']} sets no job type")


def test_the_templates_follow_camundas_schema() -> None:
    errors = list(jsonschema.Draft7Validator(SCHEMA).iter_errors(ALL))
    assert not errors, [e.message for e in errors]
    broken = json.loads(json.dumps(ALL))
    broken[0]["appliesTo"] = ["Task"]
    assert list(jsonschema.Draft7Validator(SCHEMA).iter_errors(broken)), "the schema can fail"


def test_every_regista_connector_has_a_template() -> None:
    shipped = {t for t in standard_connectors(Secrets()).types if t.startswith("io.regista:")}
    assert {job_type(t) for t in TEMPLATES} == shipped == set(READS)


def applied(template: dict[str, Any]) -> str:
    """The BPMN a modeler writes when the template is applied (values filled in)."""
    inputs, headers, retries = [], [], "3"
    for prop in template["properties"]:
        binding = prop["binding"]
        value = (
            str(prop.get("value", "x")).lower()
            if prop["type"] == "Boolean"
            else prop.get("value", "x")
        )
        if binding["type"] == "zeebe:input":
            inputs.append(f'<zeebe:input source="{value}" target="{binding["name"]}"/>')
        elif binding["type"] == "zeebe:taskHeader" and "value" in prop:
            headers.append(f'<zeebe:header key="{binding["key"]}" value="{value}"/>')
        elif binding.get("property") == "retries":
            retries = value
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:serviceTask id="task" zeebe:modelerTemplate="{template["id"]}"
        zeebe:modelerTemplateVersion="{template["version"]}">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="{job_type(template)}" retries="{retries}"/>
        <zeebe:ioMapping>{"".join(inputs)}</zeebe:ioMapping>
        <zeebe:taskHeaders>{"".join(headers)}</zeebe:taskHeaders>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="task"/>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.mark.parametrize("template", TEMPLATES, ids=[t["id"] for t in TEMPLATES])
def test_a_model_made_with_the_template_deploys_and_binds_what_the_connector_reads(
    template: dict[str, Any],
) -> None:
    names = {
        p["binding"]["name"].split(".")[0]
        for p in template["properties"]
        if p["binding"]["type"] == "zeebe:input"
    }
    assert names <= READS[job_type(template)]
    with LocalRuntime(FakeClock()) as rt:
        (deployed,) = rt.deploy(applied(template).encode())
        assert deployed.process_id == "p"


def test_every_regista_inbound_connector_has_start_and_catch_templates() -> None:
    ours = {k for k in KINDS if k.startswith("io.regista:")}
    assert {inbound_kind(t) for t in INBOUND} == ours
    assert len(INBOUND) == 2 * len(ours)


@pytest.mark.parametrize("template", INBOUND, ids=[t["id"] for t in INBOUND])
def test_an_event_made_with_an_inbound_template_is_found_as_a_declaration(
    template: dict[str, Any],
) -> None:
    props = {
        p["binding"]["name"]: str(p.get("value", "=message.body.key"))
        for p in template["properties"]
        if p["binding"]["type"] == "zeebe:property"
    }
    starts = template["elementType"]["value"] == "bpmn:StartEvent"
    made = ProcessBuilder("p").start("s", message=None if not starts else "m")
    if not starts:
        made = made.catch("c", message="m", correlation_key="=k")
    for name, value in props.items():
        made = made.property(name, value)
    made = made.end("e")
    with LocalRuntime(FakeClock()) as rt:
        rt.deploy(made)
        found = declarations([("p", made.build())], KINDS)
    assert [(d.kind, d.message_name, d.starts) for d in found] == [
        (inbound_kind(template), "m", starts)
    ]
