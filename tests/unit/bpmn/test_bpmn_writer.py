"""Writing models back: exact round trip of parsed files, generated XML that parses back to
the same model, and generated diagrams a modeler can open."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest
from lxml import etree

from regista.bpmn import ProcessBuilder, generate, parse, parse_file, to_xml
from regista.bpmn.namespaces import BPMN, BPMNDI
from regista.model.bpmn import BoundaryEvent, Definitions, Diagram, Expression, SubProcess
from regista.model.frozen import FrozenDict

MODELS = Path(__file__).parent / "models"
FILES = sorted(MODELS.glob("*.bpmn"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_unchanged_model_is_written_back_byte_for_byte(path: Path) -> None:
    defs = parse_file(path, strict=False)
    assert to_xml(defs, add_diagram=False) == path.read_bytes()
    if defs.diagrams:
        assert to_xml(defs) == path.read_bytes()


def test_a_file_without_diagram_gets_one_and_nothing_else_changes() -> None:
    path = MODELS / "all_elements.bpmn"
    source = path.read_bytes()
    defs = parse_file(path)
    assert defs.diagrams == ()
    xml = to_xml(defs)
    end = source.rfind(b"</semantic:definitions>")
    assert xml.startswith(source[:end]) and xml.endswith(source[end:])
    inserted = xml[end : len(xml) - (len(source) - end)]
    assert inserted.startswith(b"  <bpmndi:BPMNDiagram") and inserted.endswith(
        b"</bpmndi:BPMNDiagram>\n"
    )
    again = parse(xml)
    assert again == defs
    _check_diagram(again)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_generated_xml_parses_back_to_the_same_model(path: Path) -> None:
    defs = parse_file(path, strict=False)
    xml = generate(defs)
    again = parse(xml, strict=False)
    assert again == defs
    _check_diagram(again)
    _check_schema_order(xml)


def test_a_changed_model_is_regenerated_keeping_the_layout() -> None:
    defs = parse_file(MODELS / "c8_order.bpmn")
    process = defs.processes["order"]
    renamed = dataclasses.replace(process.elements["charge"], name="Charge the card")
    elements = FrozenDict({**process.elements, "charge": renamed})
    changed = dataclasses.replace(
        defs, processes=FrozenDict({"order": dataclasses.replace(process, elements=elements)})
    )
    xml = to_xml(changed)
    assert xml != defs.source
    again = parse(xml)
    assert again.processes["order"].elements["charge"].name == "Charge the card"
    original = defs.diagrams[0].shapes
    assert again.diagrams[0].shapes["charge"].bounds == original["charge"].bounds
    assert again.diagrams[0].shapes["pack_items"].bounds == original["pack_items"].bounds


def test_generated_diagram_for_a_collaboration_with_lanes() -> None:
    defs = parse_file(MODELS / "c7_invoice.bpmn")
    regenerated = parse(generate(dataclasses.replace(defs, diagrams=())))
    (diagram,) = regenerated.diagrams
    assert diagram.plane_element == "Collaboration_invoice"
    pool = diagram.shapes["pool_invoice"].bounds
    lanes = [diagram.shapes[lane.id].bounds for lane in defs.processes["invoice"].lanes]
    assert lanes[0].y == pool.y and lanes[-1].y + lanes[-1].height == pool.y + pool.height
    for upper, lower in itertools.pairwise(lanes):
        assert upper.y + upper.height == lower.y
    for index, lane in enumerate(defs.processes["invoice"].lanes):
        for ref in lane.flow_node_refs:
            shape = diagram.shapes[ref].bounds
            assert lanes[index].y <= shape.y and shape.y + shape.height <= (
                lanes[index].y + lanes[index].height
            ), ref


def _built() -> Definitions:
    return (
        ProcessBuilder("order", name="Order")
        .start("placed", name="Order placed")
        .service_task("charge", type="payment", retries=3, headers={"provider": "stripe"})
        .boundary_event("declined", error="CARD_DECLINED")
        .end("failed")
        .move_to("charge")
        .subprocess("fulfil")
        .start()
        .user_task("pack", candidate_groups=["warehouse"])
        .multi_instance("=items", "item")
        .end()
        .end_subprocess()
        .exclusive_gateway("ok?")
        .condition("=amount > 100")
        .user_task("approve", assignee="=manager")
        .boundary_event("late", duration="PT1H", interrupting=False)
        .end("escalated", escalation="LATE")
        .move_to("approve")
        .end("done")
        .branch()
        .default()
        .connect_to("done")
        .build()
    )


def test_builder_model_gets_a_diagram_and_parses_back_equal() -> None:
    defs = _built()
    xml = to_xml(defs)
    again = parse(xml)
    assert again == defs
    _check_diagram(again)
    _check_schema_order(xml)
    (diagram,) = again.diagrams
    process = again.processes["order"]
    fulfil = diagram.shapes["fulfil"].bounds
    assert diagram.shapes["fulfil"].is_expanded
    for node in process.elements.values():
        if isinstance(node, BoundaryEvent):
            host = diagram.shapes[node.attached_to].bounds
            event = diagram.shapes[node.id].bounds
            assert event.y + event.height / 2 == host.y + host.height
            assert host.x <= event.x + event.width / 2 <= host.x + host.width
        if node.parent == "fulfil":
            inner = diagram.shapes[node.id].bounds
            assert fulfil.x < inner.x and inner.x + inner.width < fulfil.x + fulfil.width
            assert fulfil.y < inner.y and inner.y + inner.height < fulfil.y + fulfil.height


def test_generated_xml_declares_only_used_namespaces() -> None:
    xml = to_xml(_built())
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions')
    root = etree.fromstring(xml)
    assert set(root.nsmap) == {"bpmn", "bpmndi", "dc", "di", "xsi", "zeebe"}
    assert root.get("exporter") == "Regista"


def test_python_and_unsupported_expressions_survive_generation() -> None:
    defs = parse_file(MODELS / "all_elements.bpmn")
    xml = generate(defs)
    flow = parse(xml).processes["everything"].flows["f_g4"]
    assert flow.condition == Expression("amount > 100", "python")
    assert b'language="python"' in xml


def _check_diagram(defs: Definitions) -> None:
    """Every flow node has a shape, every flow an edge of at least two points."""
    shapes = {key: shape for d in defs.diagrams for key, shape in d.shapes.items()}
    edges = {key: edge for d in defs.diagrams for key, edge in d.edges.items()}
    for process in defs.processes.values():
        for node_id, node in process.elements.items():
            assert node_id in shapes, node_id
            if isinstance(node, SubProcess):
                assert shapes[node_id].is_expanded
        for flow_id, flow in process.flows.items():
            if flow.source in process.elements and flow.target in process.elements:
                assert len(edges[flow_id].waypoints) >= 2, flow_id
    planes = {d.plane_element for d in defs.diagrams}
    for process in defs.processes.values():
        pooled = any(
            p.process_ref == process.id for c in defs.collaborations for p in c.participants
        )
        assert pooled or process.id in planes
    assert all(isinstance(d, Diagram) for d in defs.diagrams)


_ORDER = ["documentation", "extensionElements", "incoming", "outgoing"]


def _check_schema_order(xml: bytes) -> None:
    """The children of each element come in the order the BPMN XSD sequences require."""
    root = etree.fromstring(xml)
    for el in root.iter(f"{{{BPMN}}}*"):
        names = [etree.QName(c).localname for c in el.iterchildren("*")]
        ranks = [_ORDER.index(n) if n in _ORDER else len(_ORDER) for n in names]
        assert ranks == sorted(ranks), (etree.QName(el).localname, el.get("id"), names)
    children = [etree.QName(c) for c in root.iterchildren("*")]
    di = [i for i, c in enumerate(children) if c.namespace == BPMNDI]
    assert di == list(range(len(children) - len(di), len(children)))
