"""Export keeps the dialect: a Camunda 7 (or Flowable, or Camunda 8) file written back —
unchanged, with a diagram added, or changed in code — stays in its own words, and nothing
the model does not hold is dropped."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from regista.bpmn import BpmnParseError, ProcessBuilder, parse, to_xml, validate
from regista.bpmn.assembly import assemble_process
from regista.bpmn.merge import merge
from regista.model.bpmn import (
    Association,
    CallActivity,
    DataObject,
    Definitions,
    Expression,
    FlowNode,
    Message,
    Process,
    SequenceFlow,
    ServiceTask,
    SubProcess,
    UserTask,
)
from regista.model.frozen import FrozenDict

C7 = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- written by hand for this test -->
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:activiti="http://activiti.org/bpmn"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.omg.org/spec/BPMN/20100524/MODEL BPMN20.xsd"
    typeLanguage="http://www.w3.org/2001/XMLSchema"
    expressionLanguage="http://www.w3.org/1999/XPath"
    id="defs" targetNamespace="http://example.org/c7">
  <bpmn:process id="claim" isExecutable="true" camunda:versionTag="v1">
    <bpmn:startEvent id="start" camunda:initiator="starter" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <!-- the reviewer is whoever owns the claim -->
    <bpmn:userTask id="review" name="Review" camunda:assignee="${owner}"
        camunda:candidateGroups="clerks" activiti:exclusive="false">
      <bpmn:extensionElements>
        <camunda:taskListener event="create" class="org.example.Notify" />
        <camunda:inputOutput>
          <camunda:inputParameter name="limit">${amount * 2}</camunda:inputParameter>
        </camunda:inputOutput>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="ok" />
    <bpmn:exclusiveGateway id="ok" default="f4" />
    <bpmn:sequenceFlow id="f3" sourceRef="ok" targetRef="pay">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
        >${approved}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="ok" targetRef="done" />
    <bpmn:callActivity id="pay" calledElement="payment">
      <bpmn:extensionElements>
        <camunda:in source="amount" target="sum" />
        <camunda:out variables="all" />
      </bpmn:extensionElements>
    </bpmn:callActivity>
    <bpmn:sequenceFlow id="f5" sourceRef="pay" targetRef="done" />
    <bpmn:endEvent id="done" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram">
    <bpmndi:BPMNPlane id="plane" bpmnElement="claim">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="100" y="100" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="pay_di" bpmnElement="pay">
        <dc:Bounds x="400" y="80" width="100" height="80" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""

_KEPT = (
    b"<!-- written by hand for this test -->",
    b"<!-- the reviewer is whoever owns the claim -->",
    b'xsi:schemaLocation="http://www.omg.org/spec/BPMN/20100524/MODEL BPMN20.xsd"',
    b'typeLanguage="http://www.w3.org/2001/XMLSchema"',
    b'expressionLanguage="http://www.w3.org/1999/XPath"',
    b'camunda:versionTag="v1"',
    b'camunda:initiator="starter"',
    b"${approved}",
    b'<camunda:out variables="all"',
    b'calledElement="payment"',
)


def _change(
    defs: Definitions,
    process_id: str,
    *,
    replace: Callable[[FlowNode], FlowNode] | None = None,
    add: tuple[FlowNode, ...] = (),
    flows: tuple[SequenceFlow, ...] = (),
    drop: tuple[str, ...] = (),
) -> Definitions:
    """`defs` with one process changed in code the way a user would: nodes replaced,
    added or dropped, and the relations assembled again."""
    process = defs.processes[process_id]
    nodes = [(replace(n) if replace else n) for n in process.elements.values() if n.id not in drop]
    kept = [f for f in process.flows.values() if f.id not in drop]
    names = ("id", "name", "documentation", "properties", "extensions", "line")
    fields = {n: getattr(process, n) for n in (*names, "is_executable", "version_tag", "forms")}
    changed = assemble_process(fields, [*nodes, *add], [*kept, *flows], lanes=process.lanes)
    return dataclasses.replace(defs, processes=FrozenDict({**defs.processes, process_id: changed}))


def _replacing(changed: FlowNode) -> Callable[[FlowNode], FlowNode]:
    return lambda node: changed if node.id == changed.id else node


def _renamed(node: FlowNode) -> FlowNode:
    return dataclasses.replace(node, name="Check the claim") if node.id == "review" else node


def test_an_unchanged_camunda_7_file_with_a_diagram_added_keeps_every_byte() -> None:
    without = C7.split(b"  <bpmndi:BPMNDiagram")[0] + b"</bpmn:definitions>\n"
    defs = parse(without)
    written = to_xml(defs)
    assert written.startswith(without[: without.index(b"</bpmn:definitions>")])
    assert b"<bpmndi:BPMNDiagram" in written and b"zeebe" not in written


def test_a_changed_camunda_7_model_stays_camunda_7() -> None:
    defs = _change(parse(C7), "claim", replace=_renamed)
    written = to_xml(defs)
    assert parse(written) == defs
    for text in _KEPT:
        assert text in written, text
    assert b"zeebe" not in written
    # The changed element keeps what the model does not hold and its JUEL as it was.
    review = written[written.index(b'<bpmn:userTask id="review"') :]
    review = review[: review.index(b"</bpmn:userTask>")]
    assert b'name="Check the claim"' in review
    assert b'camunda:assignee="${owner}"' in review
    assert b'activiti:exclusive="false"' in review
    assert b'<camunda:taskListener event="create" class="org.example.Notify"' in review
    assert b"${amount * 2}</camunda:inputParameter>" in review
    assert written.count(b"<bpmndi:BPMNShape") == 2  # the diagram is kept


def test_a_changed_field_is_written_in_camunda_7_words() -> None:
    def reassign(node: FlowNode) -> FlowNode:
        if isinstance(node, UserTask):
            return dataclasses.replace(node, assignee=Expression("boss", "feel"))
        return node

    defs = _change(parse(C7), "claim", replace=reassign)
    written = to_xml(defs)
    assert parse(written) == defs
    assert b'camunda:assignee="${boss}"' in written and b"${owner}" not in written
    assert b"zeebe" not in written


def test_added_elements_are_camunda_7_and_removed_ones_leave_with_their_shapes() -> None:
    defs = parse(C7)
    call = CallActivity(
        id="archive",
        parent="claim",
        called_element=Expression.literal("archiving"),
        propagate_all_child_variables=False,
    )
    changed = _change(
        defs,
        "claim",
        drop=("pay", "f3", "f5"),
        add=(call,),
        flows=(
            SequenceFlow(
                id="f6",
                source="ok",
                target="archive",
                parent="claim",
                condition=Expression("approved", "feel"),
            ),
            SequenceFlow(id="f7", source="archive", target="done", parent="claim"),
        ),
    )
    written = to_xml(changed)
    assert parse(written) == changed
    assert not [p for p in validate(parse(written)) if p.severity == "error"]
    archive = written[written.index(b'<bpmn:callActivity id="archive"') :]
    archive = archive[: archive.index(b"</bpmn:callActivity>")]
    assert b'calledElement="archiving"' in archive
    assert b'<camunda:in variables="all"/>' in archive and b"camunda:out" not in archive
    assert b"${approved}</bpmn:conditionExpression>" in written
    assert b'id="pay"' not in written and b'bpmnElement="pay"' not in written
    assert b"zeebe" not in written
    assert b"<!-- the reviewer is whoever owns the claim -->" in written


FLOWABLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:flowable="http://flowable.org/bpmn" id="d" targetNamespace="http://flowable.org/t">
  <process id="p" isExecutable="true">
    <startEvent id="s" />
    <sequenceFlow id="f1" sourceRef="s" targetRef="u" />
    <userTask id="u" flowable:candidateGroups="clerks" flowable:formKey="form1"
        flowable:skipExpression="${skip}" />
    <sequenceFlow id="f2" sourceRef="u" targetRef="e" />
    <endEvent id="e" />
  </process>
</definitions>
"""


def test_a_changed_flowable_model_keeps_its_flowable_attributes() -> None:
    defs = parse(FLOWABLE)

    def rename(node: FlowNode) -> FlowNode:
        return dataclasses.replace(node, name="Renamed") if node.id == "u" else node

    changed = _change(defs, "p", replace=rename)
    written = to_xml(changed, add_diagram=False)
    assert parse(written) == changed
    assert b'flowable:skipExpression="${skip}"' in written
    assert b'flowable:candidateGroups="clerks"' in written
    assert b"zeebe" not in written and b"<bpmn:" not in written


C8 = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="d" targetNamespace="t"
    modeler:executionPlatform="Camunda Cloud">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    <bpmn:serviceTask id="t">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="work" />
        <zeebe:executionListeners>
          <zeebe:executionListener eventType="start" type="audit" />
        </zeebe:executionListeners>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" />
    <bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_a_changed_camunda_8_model_stays_camunda_8() -> None:
    defs = parse(C8)

    def retype(node: FlowNode) -> FlowNode:
        if isinstance(node, ServiceTask) and node.job is not None:
            job = dataclasses.replace(node.job, type=Expression.literal("other"))
            return dataclasses.replace(node, job=job)
        return node

    changed = _change(defs, "p", replace=retype)
    written = to_xml(changed, add_diagram=False)
    assert parse(written) == changed
    assert b'<zeebe:taskDefinition type="other"' in written
    assert b'<zeebe:executionListener eventType="start" type="audit"' in written
    assert b"camunda:" not in written and b"schema/1.0/bpmn" not in written


def test_a_process_unchanged_beside_a_changed_one_keeps_its_xml() -> None:
    two = C7.replace(
        b"  <bpmndi:BPMNDiagram",
        b'  <bpmn:process id="other" isExecutable="false">\n'
        b'    <bpmn:task id="sketch" activiti:foo="bar" />\n  </bpmn:process>\n'
        b"  <bpmndi:BPMNDiagram",
    )
    defs = _change(parse(two), "claim", replace=_renamed)
    written = to_xml(defs)
    assert b'<bpmn:task id="sketch" activiti:foo="bar"/>' in written
    assert parse(written) == defs


def test_a_process_without_source_is_generated() -> None:
    defs = parse(C7)
    process: Process = defs.processes["claim"]
    built = dataclasses.replace(defs, source=None)
    assert b"zeebe:" in to_xml(built) and process.id in to_xml(built).decode()


_REPO = Path(__file__).resolve().parents[3]
_FILES = sorted(
    {
        *(_REPO / "tests" / "unit" / "bpmn" / "models").glob("*.bpmn"),
        *(_REPO / "tests" / "acceptance" / "scenarios" / "models").glob("*.bpmn"),
        *(_REPO / "examples").glob("**/*.bpmn"),
    }
)


@pytest.mark.parametrize("path", _FILES, ids=lambda p: p.name)
def test_every_model_we_ship_changed_in_code_is_merged_into_its_file(path: Path) -> None:
    try:
        defs = parse(path.read_bytes(), strict=False)
    except BpmnParseError:
        pytest.skip("not a model this test can change")
    assert defs.source is not None
    camunda7_only = b"camunda.org/schema/1.0/bpmn" in defs.source and b"zeebe" not in defs.source
    for process in defs.processes.values():
        for node in process.elements.values():
            renamed = dataclasses.replace(node, name=f"{node.name or ''} (changed)")
            changed = _change(defs, process.id, replace=_replacing(renamed))
            written = merge(changed, defs.source)
            assert written is not None, node.id  # read back as the model
            assert not camunda7_only or b"zeebe" not in written
        last = list(process.elements.values())[-1]
        if isinstance(last, SubProcess) or last.incoming or last.outgoing:
            continue
        added = UserTask(id="added_in_code", name="Added", parent=last.parent)
        changed = _change(defs, process.id, drop=(last.id,), add=(added,))
        written = merge(changed, defs.source)
        assert written is not None and b'id="added_in_code"' in written
        assert f'id="{last.id}"'.encode() not in written


_MODELS = _REPO / "tests" / "unit" / "bpmn" / "models"


def _defs_with(defs: Definitions, **changes: object) -> Definitions:
    return dataclasses.replace(defs, **changes)  # type: ignore[arg-type]


def test_root_elements_changed_added_and_removed_keep_the_rest() -> None:
    source = C7.replace(
        b'  <bpmn:process id="claim"',
        b'  <bpmn:message id="m_old" name="old" />\n'
        b'  <bpmn:error id="e_gone" errorCode="GONE" />\n'
        b'  <bpmn:process id="claim"',
    )
    defs = parse(source)
    messages = {
        "m_old": Message(id="m_old", name=Expression.literal("renamed")),
        "m_new": Message(id="m_new", name=Expression.literal("fresh")),
    }
    changed = _defs_with(defs, messages=FrozenDict(messages), errors=FrozenDict(), name="Claims")
    written = to_xml(changed)
    assert parse(written) == changed
    assert b'<bpmn:message id="m_old" name="renamed"/>' in written
    assert b'<bpmn:message id="m_new" name="fresh"/>' in written
    assert b"e_gone" not in written
    assert b'name="Claims"' in written and b"<!-- written by hand for this test -->" in written


def test_processes_added_removed_and_changed_in_their_own_fields() -> None:
    two = C7.replace(
        b"  <bpmndi:BPMNDiagram",
        b'  <bpmn:process id="old" isExecutable="false">\n'
        b'    <bpmn:task id="sketch" />\n  </bpmn:process>\n  <bpmndi:BPMNDiagram',
    )
    defs = parse(two)
    claim = defs.processes["claim"]
    renamed = dataclasses.replace(claim, name="Claims", version_tag="v2", documentation="Docs")
    built = ProcessBuilder("added", name="Added in code").start("a_s").user_task("a_u").end()
    added = built.build().processes["added"]
    changed = _defs_with(defs, processes=FrozenDict({"claim": renamed, "added": added}))
    written = to_xml(changed)
    assert parse(written) == changed
    assert b'id="old"' not in written and b'bpmnElement="sketch"' not in written
    assert b'name="Claims"' in written and b'camunda:versionTag="v2"' in written
    assert b"<bpmn:documentation>Docs</bpmn:documentation>" in written
    assert b'<bpmn:process id="added"' in written and b"zeebe" not in written
    # Its content is kept as it was, comments too.
    assert b"<!-- the reviewer is whoever owns the claim -->" in written


def test_lanes_and_collaborations_changed_in_code() -> None:
    defs = parse((_MODELS / "c7_invoice.bpmn").read_bytes())
    process = defs.processes["invoice"]
    first, *rest = process.lanes
    lanes = (dataclasses.replace(first, name="Assistants"), *rest)
    collaboration = dataclasses.replace(defs.collaborations[0], name="Invoices")
    changed = _defs_with(
        defs,
        processes=FrozenDict({"invoice": dataclasses.replace(process, lanes=lanes)}),
        collaborations=(collaboration,),
    )
    written = to_xml(changed)
    assert parse(written) == changed
    assert b'name="Assistants"' in written and b'name="Invoices"' in written
    assert b"zeebe" not in written


def test_data_objects_and_associations_added_in_code() -> None:
    defs = parse(C7)
    claim = defs.processes["claim"]
    data = DataObject(id="doc", name="Claim form", kind="object", parent="claim")
    link = Association(id="link", source="review", target="pay", parent="claim")
    changed = _defs_with(
        defs,
        processes=FrozenDict(
            {
                "claim": dataclasses.replace(
                    claim,
                    data_objects=FrozenDict({"doc": data}),
                    associations=FrozenDict({"link": link}),
                )
            }
        ),
    )
    written = to_xml(changed)
    assert b'<bpmn:dataObject id="doc" name="Claim form"/>' in written
    assert b"<!-- written by hand for this test -->" in written  # merged, not generated
    assert parse(written) == changed
