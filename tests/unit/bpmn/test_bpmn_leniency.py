"""Models Camunda 7, Activiti and Flowable accept are read, with a warning where the
standard is bent, never refused: flows without ids, prefixed QNames, value expressions,
errors named only by their code, non-executable processes, activiti:/flowable: attributes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from regista.bpmn import BpmnParseError, parse, to_xml, validate
from regista.model.bpmn import (
    CallActivity,
    EndEvent,
    ErrorEventDefinition,
    Expression,
    IntermediateCatchEvent,
    MessageEventDefinition,
    ReceiveTask,
    ServiceTask,
    StartEvent,
    UserTask,
)

MODELS = Path(__file__).resolve().parents[2] / "acceptance" / "scenarios" / "models"

_HEAD = (
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'xmlns:activiti="http://activiti.org/bpmn" '
    'xmlns:flowable="http://flowable.org/bpmn" '
    'xmlns:tns="http://example.org/t" id="d" targetNamespace="http://example.org/t">'
)


def _model(body: str, *, executable: str = "true", extra: str = "") -> str:
    return (
        f'{_HEAD}{extra}<process id="p" isExecutable="{executable}">{body}</process></definitions>'
    )


def _errors(xml: str) -> list[str]:
    return [p.message for p in validate(parse(xml, strict=False)) if p.severity == "error"]


def _warnings(xml: str) -> list[str]:
    return [p.message for p in validate(parse(xml, strict=False)) if p.severity == "warning"]


# --- sequence flows without ids -------------------------------------------------------------


def test_sequence_flows_without_ids_get_stable_ids_from_their_ends() -> None:
    xml = _model(
        '<startEvent id="s"/><parallelGateway id="g"/><endEvent id="e"/>'
        '<sequenceFlow sourceRef="s" targetRef="g"/>'
        '<sequenceFlow sourceRef="g" targetRef="e"/>'
        '<sequenceFlow sourceRef="g" targetRef="e"/>'
        '<sequenceFlow id="Flow_s_g" sourceRef="s" targetRef="g"/>'
    )
    defs = parse(xml)
    flows = list(defs.processes["p"].flows)
    # The declared id keeps its name; a generated one never takes it.
    assert flows == ["Flow_s_g_2", "Flow_g_e", "Flow_g_e_2", "Flow_s_g"]
    assert parse(xml).processes["p"].flows == defs.processes["p"].flows
    assert _errors(xml) == [] and _warnings(xml) == []


def test_a_model_with_flows_without_ids_is_exported_as_it_was() -> None:
    source = (MODELS / "camunda7_leniency.bpmn").read_bytes()
    defs = parse(source)
    assert to_xml(defs, add_diagram=False) == source
    exported = to_xml(defs)
    assert exported.count(b"<bpmn:sequenceFlow sourceRef=") == source.count(
        b"<bpmn:sequenceFlow sourceRef="
    )


# --- references and expressions -------------------------------------------------------------


def test_prefixed_qname_references_resolve_through_their_namespace() -> None:
    xml = _model(
        '<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="c"/>'
        '<intermediateCatchEvent id="c"><messageEventDefinition messageRef="tns:m"/>'
        '</intermediateCatchEvent><sequenceFlow id="f2" sourceRef="c" targetRef="r"/>'
        '<receiveTask id="r" messageRef="tns:m"/><sequenceFlow id="f3" sourceRef="r" '
        'targetRef="e"/><endEvent id="e"><errorEventDefinition errorRef="tns:err"/></endEvent>',
        extra='<message id="m" name="m"/><error id="err" errorCode="E"/>',
    )
    process = parse(xml).processes["p"]
    catch = process.elements["c"]
    assert isinstance(catch, IntermediateCatchEvent)
    assert isinstance(catch.definition, MessageEventDefinition)
    assert catch.definition.message_ref == "m"
    receive = process.elements["r"]
    assert isinstance(receive, ReceiveTask) and receive.message_ref == "m"
    end = process.elements["e"]
    assert isinstance(end, EndEvent) and isinstance(end.definition, ErrorEventDefinition)
    assert end.definition.error_ref == "err"
    assert _errors(xml) == []


def test_an_unknown_prefix_is_kept_and_reported_as_undefined() -> None:
    xml = _model(
        '<startEvent id="s"><messageEventDefinition messageRef="nope:m"/></startEvent>',
        extra='<message id="m" name="m"/>',
    )
    assert any("'nope:m' is not defined" in m for m in _errors(xml))


def test_value_expressions_in_camunda_expression_are_values() -> None:
    xml = _model(
        '<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
        '<serviceTask id="t" camunda:expression="${amount + 1}" camunda:resultVariable="n"/>'
        '<sequenceFlow id="f2" sourceRef="t" targetRef="e"/><endEvent id="e"/>'
    )
    task = parse(xml).processes["p"].elements["t"]
    assert isinstance(task, ServiceTask) and task.delegate is not None
    assert task.delegate.value == Expression("amount + 1", "feel")
    assert _errors(xml) == []


def test_method_expressions_are_still_refused_as_java() -> None:
    xml = _model(
        '<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
        '<serviceTask id="t" camunda:expression="${mailer.send(execution)}"/>'
        '<sequenceFlow id="f2" sourceRef="t" targetRef="e"/><endEvent id="e"/>'
    )
    assert any("JUEL method expression (a Java call)" in m for m in _errors(xml))


# --- errors ---------------------------------------------------------------------------------


def test_an_error_ref_naming_no_error_is_the_error_code_with_a_warning() -> None:
    xml = _model(
        '<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="e"/>'
        '<endEvent id="e"><errorEventDefinition errorRef="OUT_OF_STOCK"/></endEvent>'
    )
    defs = parse(xml)
    error = defs.errors["OUT_OF_STOCK"]
    assert error.implicit and error.code == Expression.literal("OUT_OF_STOCK")
    assert _errors(xml) == []
    assert any("'OUT_OF_STOCK' is its error code" in m for m in _warnings(xml))
    # Exported, the file gains no <error> it did not declare.
    changed = dataclasses.replace(defs, name="changed")
    assert b"<bpmn:error " not in to_xml(changed, add_diagram=False)


def test_an_error_end_event_without_error_ref_warns() -> None:
    xml = _model(
        '<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="e"/>'
        '<endEvent id="e"><errorEventDefinition/></endEvent>'
    )
    assert _errors(xml) == []
    assert any("throws an error without a code" in m for m in _warnings(xml))


# --- non-executable processes ---------------------------------------------------------------


def test_the_problems_of_a_non_executable_process_are_warnings() -> None:
    body = (
        '<startEvent id="s"/><sequenceFlow sourceRef="s" targetRef="t"/>'
        '<serviceTask id="t" camunda:class="org.example.Step"/>'
        '<sequenceFlow id="f2" sourceRef="t" targetRef="missing"/>'
        "<task><documentation>no id</documentation></task>"
    )
    assert len(_errors(_model(body))) >= 3
    assert _errors(_model(body, executable="false")) == []
    warnings = _warnings(_model(body, executable="false"))
    downgraded = [w for w in warnings if "not executable" in w]
    assert len(downgraded) == 3, warnings
    parse(_model(body, executable="false"))  # strict parsing does not refuse it
    with pytest.raises(BpmnParseError):
        parse(_model(body))


# --- activiti: and flowable: ----------------------------------------------------------------


def test_flowable_attributes_are_read_like_their_camunda_7_twins() -> None:
    defs = parse((MODELS / "flowable_legacy.bpmn").read_bytes())
    process = defs.processes["legacy"]
    review = process.elements["review"]
    assert isinstance(review, UserTask)
    assert review.candidate_groups == Expression.literal("managers")
    assert review.form_key == "review-form"
    assert review.priority == Expression.literal("70")
    work = process.elements["work"]
    assert isinstance(work, ServiceTask) and work.async_before
    assert work.job is not None and work.job.type == Expression.literal("work")
    start = process.elements["start"]
    assert isinstance(start, StartEvent) and start.initiator == "starter"


@pytest.mark.parametrize("prefix", ["activiti", "flowable"])
@pytest.mark.parametrize("kind", ["class", "delegateExpression"])
def test_legacy_java_delegates_are_refused_like_camunda_ones(prefix: str, kind: str) -> None:
    xml = _model(
        '<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
        f'<serviceTask id="t" {prefix}:{kind}="org.example.Step"/>'
        '<sequenceFlow id="f2" sourceRef="t" targetRef="e"/><endEvent id="e"/>'
    )
    assert any("'org.example.Step' needs Java" in m for m in _errors(xml))


def test_flowable_builtin_task_types_are_refused_by_name() -> None:
    xml = _model(
        '<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
        '<serviceTask id="t" flowable:type="mail"/>'
        '<sequenceFlow id="f2" sourceRef="t" targetRef="e"/><endEvent id="e"/>'
    )
    assert any("task type 'mail'" in m for m in _errors(xml))


def test_activiti_async_and_assignee_are_read() -> None:
    xml = _model(
        '<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="u"/>'
        '<userTask id="u" activiti:assignee="${owner}" activiti:async="true"/>'
        '<sequenceFlow id="f2" sourceRef="u" targetRef="e"/><endEvent id="e"/>'
    )
    task = parse(xml).processes["p"].elements["u"]
    assert isinstance(task, UserTask) and task.async_before
    assert task.assignee == Expression("owner", "feel")


def test_camunda_task_priority_is_kept() -> None:
    defs = parse((MODELS / "camunda7_leniency.bpmn").read_bytes())
    ship = defs.processes["leniency"].elements["ship"]
    assert isinstance(ship, ServiceTask) and ship.job is not None
    assert ship.job.priority == Expression.literal("10")


def test_flowable_extension_elements_are_read_like_camunda_ones() -> None:
    xml = _model(
        '<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="c"/>'
        '<callActivity id="c" calledElement="child"><extensionElements>'
        '<flowable:in source="order" target="item"/><flowable:out variables="all"/>'
        '<flowable:executionListener event="start" class="org.example.Audit"/>'
        '<flowable:formProperty id="x"/><flowable:mystery/>'
        "</extensionElements></callActivity>"
        '<sequenceFlow id="f2" sourceRef="c" targetRef="e"/><endEvent id="e"/>'
    )
    call = parse(xml).processes["p"].elements["c"]
    assert isinstance(call, CallActivity)
    assert [(p.source.text, p.target) for p in call.inputs] == [("order", "item")]
    assert call.propagate_all_child_variables and not call.propagate_all_parent_variables
    warnings = _warnings(xml)
    assert any("Flowable executionListeners are not supported" in w for w in warnings)
    assert any("<flowable:mystery> is not supported" in w for w in warnings)
    assert not any("formProperty" in w for w in warnings)
