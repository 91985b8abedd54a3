"""The element templates the web modeler offers for Regista's connectors
(`regista.ui.element_templates`): valid by Camunda's published JSON Schemas (Camunda 8 and
Camunda 7, tests/fixtures/element-templates, MIT), one per connector, each input bound by
the name its connector module reads (so renaming an input there fails here), required
inputs and choices as the deploy-time checks declare them, and a model made with a template
calls the connector with the values filled in."""

from __future__ import annotations

import ast
import inspect
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import httpx
import jsonschema
import pytest

from regista.bpmn import connector_checks
from regista.connectors import (
    AI_CHAT,
    EMAIL,
    HTTP_JSON,
    MQTT,
    NATS,
    RABBITMQ,
    REDIS_STREAM,
    HttpConnector,
    Secrets,
    ai,
    brokers,
    consumers,
    deliveries,
    email,
    http,
    outcome,
    standard_connectors,
    webhooks,
)
from regista.connectors.consumers import KINDS
from regista.connectors.webhooks import WEBHOOK
from regista.runtime.workers import Workers
from regista.testing import FakeClock, LocalRuntime
from regista.ui.element_templates import CONNECTORS, INBOUND, element_templates

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "element-templates"
SCHEMAS = {
    "camunda8": json.loads((FIXTURES / "zeebe-element-templates-schema.json").read_text()),
    "camunda7": json.loads((FIXTURES / "camunda-element-templates-schema.json").read_text()),
}
C8 = element_templates("camunda8")
C7 = element_templates("camunda7")
TASKS_C8 = [t for t in C8 if t["appliesTo"] == ["bpmn:Task"]]
EVENTS_C8 = [t for t in C8 if t["appliesTo"] != ["bpmn:Task"]]

# The module that reads each connector's inputs; the inbound ones also read the delivery
# properties (`deliveries`), the outbound ones the result headers (`outcome`).
OUTBOUND_MODULES: dict[str, ModuleType] = {
    HTTP_JSON: http,
    EMAIL: email,
    AI_CHAT: ai,
    RABBITMQ: brokers,
    MQTT: brokers,
    NATS: brokers,
    REDIS_STREAM: brokers,
}
INBOUND_MODULES: dict[str, ModuleType] = {WEBHOOK: webhooks, **{k: consumers for k in KINDS}}


def strings_read(module: ModuleType) -> set[str]:
    """The string literals `module` passes to a call (`x.get("url")`, `_required(p, "a")`)
    or uses as a subscript (`props["a"]`): the names it reads."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        candidates: list[ast.expr] = []
        if isinstance(node, ast.Call):
            candidates = list(node.args)
        elif isinstance(node, ast.Subscript):
            candidates = [node.slice]
        found |= {
            c.value for c in candidates if isinstance(c, ast.Constant) and isinstance(c.value, str)
        }
    return found


def template_id(template: dict[str, Any]) -> str:
    flavour = "c8" if "zeebe" in template["$schema"] else "c7"
    return f"{flavour}-{template['id']}"


def props(template: dict[str, Any], binding: str) -> Iterator[dict[str, Any]]:
    return (p for p in template["properties"] if p["binding"]["type"] == binding)


def kind_of(template: dict[str, Any]) -> str:
    """The job type (task) or `inbound.type` (event) a template sets."""
    for p in template["properties"]:
        binding = p["binding"]
        if binding in (
            {"type": "zeebe:taskDefinition", "property": "type"},
            {"type": "property", "name": "camunda:topic"},
            {"type": "zeebe:property", "name": "inbound.type"},
        ):
            value: str = p["value"]
            return value
    raise AssertionError(f"{template['id']} sets no job type")


@pytest.mark.parametrize("flavour", ["camunda8", "camunda7"])
def test_the_templates_follow_camundas_schema(flavour: str) -> None:
    templates = C8 if flavour == "camunda8" else C7
    validator = jsonschema.Draft7Validator(SCHEMAS[flavour])
    assert not [e.message for e in validator.iter_errors(templates)]
    broken = json.loads(json.dumps(templates))
    del broken[0]["properties"][1]["binding"]
    assert list(validator.iter_errors(broken)), "the schema can fail"


def test_an_unknown_flavour_is_refused() -> None:
    with pytest.raises(ValueError, match="use 'camunda8' or 'camunda7'"):
        element_templates("camunda9")  # type: ignore[arg-type]


def test_every_connector_has_a_task_template_in_both_flavours() -> None:
    shipped = set(standard_connectors(Secrets()).types)
    assert shipped == set(OUTBOUND_MODULES) == {c.kind for c in CONNECTORS}
    assert sorted(kind_of(t) for t in TASKS_C8) == sorted(kind_of(t) for t in C7) == sorted(shipped)
    assert all(t["id"] == u["id"] for t, u in zip(TASKS_C8, C7, strict=True))


def test_every_inbound_connector_has_start_and_catch_event_templates() -> None:
    assert {c.kind for c in INBOUND} == {*KINDS, WEBHOOK} == set(INBOUND_MODULES)
    applies = {(kind_of(t), t["elementType"]["value"]) for t in EVENTS_C8}
    assert applies == {
        (kind, element)
        for kind in INBOUND_MODULES
        for element in ("bpmn:StartEvent", "bpmn:IntermediateCatchEvent")
    }


@pytest.mark.parametrize("template", TASKS_C8 + C7, ids=template_id)
def test_a_task_template_binds_what_its_connector_reads(template: dict[str, Any]) -> None:
    read = strings_read(OUTBOUND_MODULES[kind_of(template)])
    binding = "zeebe:input" if "zeebe" in template["$schema"] else "camunda:inputParameter"
    for prop in props(template, binding):
        unread = [part for part in prop["binding"]["name"].split(".") if part not in read]
        assert not unread, f"{prop['binding']['name']}: the connector reads no {unread}"
    headers = strings_read(outcome)
    assert {p["binding"]["key"] for p in props(template, "zeebe:taskHeader")} <= headers


@pytest.mark.parametrize("template", EVENTS_C8, ids=lambda t: str(t["id"]))
def test_an_event_template_binds_what_its_connector_reads(template: dict[str, Any]) -> None:
    read = strings_read(INBOUND_MODULES[kind_of(template)]) | strings_read(deliveries)
    names = {p["binding"]["name"] for p in props(template, "zeebe:property")}
    assert names - {"inbound.type"} <= read, names - read


def _always_required(template: dict[str, Any], binding: str) -> set[str]:
    return {
        p["binding"]["name"]
        for p in props(template, binding)
        if p.get("constraints", {}).get("notEmpty") and "condition" not in p
    }


@pytest.mark.parametrize("template", TASKS_C8 + C7, ids=template_id)
def test_a_task_template_requires_and_offers_what_deployment_checks(
    template: dict[str, Any],
) -> None:
    kind = kind_of(template)
    binding = "zeebe:input" if "zeebe" in template["$schema"] else "camunda:inputParameter"
    assert _always_required(template, binding) == set(connector_checks._REQUIRED[kind])
    for (job_type, name), choices in connector_checks._CHOICES.items():
        if job_type == kind:
            (prop,) = [p for p in props(template, binding) if p["binding"]["name"] == name]
            assert {c["value"] for c in prop["choices"]} == set(choices)


@pytest.mark.parametrize("template", EVENTS_C8, ids=lambda t: str(t["id"]))
def test_an_event_template_requires_what_deployment_checks(template: dict[str, Any]) -> None:
    required = _always_required(template, "zeebe:property") - {"correlationKeyExpression"}
    assert required == set(connector_checks._INBOUND[kind_of(template)])


def test_the_templates_bind_as_the_shipped_desktop_templates_do() -> None:
    """element-templates/regista-connectors.json (for the desktop Modeler) and these agree on
    the ids and bindings they share, so one model opens the same in both."""
    shipped = json.loads((ROOT / "element-templates" / "regista-connectors.json").read_text())
    ours = {t["id"]: t for t in C8}
    for template in shipped:
        mine = ours[template["id"]]
        assert {json.dumps(p["binding"], sort_keys=True) for p in template["properties"]} == {
            json.dumps(p["binding"], sort_keys=True) for p in mine["properties"]
        }


def _camunda8_model(template: dict[str, Any], values: dict[str, str]) -> str:
    """The BPMN a modeler writes when the Camunda 8 template is applied and filled in."""
    inputs = "".join(
        f"<zeebe:input source={quoteattr(values[p['binding']['name']])} "
        f'target="{p["binding"]["name"]}"/>'
        for p in props(template, "zeebe:input")
        if p["binding"]["name"] in values
    )
    headers = '<zeebe:header key="resultVariable" value="answer"/>'
    return _model(
        f'<bpmn:serviceTask id="task" zeebe:modelerTemplate="{template["id"]}">'
        f"<bpmn:extensionElements>"
        f'<zeebe:taskDefinition type="{kind_of(template)}" retries="1"/>'
        f"<zeebe:ioMapping>{inputs}</zeebe:ioMapping>"
        f"<zeebe:taskHeaders>{headers}</zeebe:taskHeaders>"
        f"</bpmn:extensionElements></bpmn:serviceTask>"
    )


def _camunda7_model(template: dict[str, Any], values: dict[str, str]) -> str:
    """The BPMN the Camunda 7 modeler writes when the template is applied and filled in."""
    inputs = "".join(
        f'<camunda:inputParameter name="{p["binding"]["name"]}">'
        f"{escape(values[p['binding']['name']])}</camunda:inputParameter>"
        for p in props(template, "camunda:inputParameter")
        if p["binding"]["name"] in values
    )
    return _model(
        f'<bpmn:serviceTask id="task" camunda:modelerTemplate="{template["id"]}" '
        f'camunda:type="external" camunda:topic="{kind_of(template)}">'
        f"<bpmn:extensionElements><camunda:inputOutput>{inputs}</camunda:inputOutput>"
        f"</bpmn:extensionElements></bpmn:serviceTask>"
    )


def _model(task: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"/>{task}<bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="task"/>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.mark.parametrize("flavour", ["camunda8", "camunda7"])
def test_a_model_made_with_the_http_template_makes_the_call_it_describes(flavour: str) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": 7})

    values = {
        "method": "POST",
        "url": "https://api.example.test/orders",
        "authentication.type": "bearer",
        "authentication.token": "t0ken",
        "readTimeoutInSeconds": "5",
    }
    if flavour == "camunda8":
        (template,) = [t for t in TASKS_C8 if kind_of(t) == HTTP_JSON]
        values["headers"] = '={"X-Shop": "north"}'
        values["body"] = "={amount: 3}"
        model = _camunda8_model(template, values)
    else:
        (template,) = [t for t in C7 if kind_of(t) == HTTP_JSON]
        model = _camunda7_model(template, values)
    workers = Workers()
    client = httpx.Client(transport=httpx.MockTransport(answer))
    workers.register(HTTP_JSON, HttpConnector(Secrets(), client))
    with LocalRuntime(FakeClock(), workers=workers) as rt:
        rt.deploy(model.encode())
        instance = rt.start("p")
        rt.run_until_idle()
        info = rt.instance(instance)
    (request,) = seen
    assert (request.method, str(request.url)) == ("POST", values["url"])
    assert request.headers["Authorization"] == "Bearer t0ken"
    assert info.status == "completed", info.incidents
    if flavour == "camunda8":
        assert request.headers["X-Shop"] == "north"
        assert json.loads(request.content) == {"amount": 3}
        assert info.variables["answer"]["body"] == {"id": 7}
