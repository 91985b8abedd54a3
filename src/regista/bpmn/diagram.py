"""BPMN diagram interchange (DI): reading `<bpmndi:BPMNDiagram>` into the model and
writing a `Diagram` back as XML."""

from __future__ import annotations

from lxml import etree

from regista.bpmn.namespaces import BPMNDI, DC, DI, q
from regista.bpmn.reader import Element, children, local_name
from regista.model.bpmn import Bounds, Diagram, Edge, Point, Shape
from regista.model.frozen import FrozenDict

__all__ = ["read_diagram", "write_diagram"]


def _number(text: str | None) -> float:
    try:
        return float(text) if text is not None else 0.0
    except ValueError:
        return 0.0


def _bounds(el: Element | None) -> Bounds | None:
    if el is None:
        return None
    return Bounds(
        _number(el.get("x")),
        _number(el.get("y")),
        _number(el.get("width")),
        _number(el.get("height")),
    )


def _optional_flag(el: Element, name: str) -> bool | None:
    value = el.get(name)
    return None if value is None else value.strip().lower() == "true"


def _label(el: Element) -> Bounds | None:
    label = el.find(q(BPMNDI, "BPMNLabel"))
    return _bounds(label.find(q(DC, "Bounds"))) if label is not None else None


def read_diagram(el: Element) -> Diagram:
    """The shapes and edges of one `<bpmndi:BPMNDiagram>`, by model element id."""
    plane = el.find(q(BPMNDI, "BPMNPlane"))
    shapes: dict[str, Shape] = {}
    edges: dict[str, Edge] = {}
    if plane is not None:
        for item in children(plane, BPMNDI):
            element_id = item.get("bpmnElement", "")
            if local_name(item) == "BPMNShape":
                bounds = _bounds(item.find(q(DC, "Bounds"))) or Bounds(0, 0, 0, 0)
                shapes.setdefault(
                    element_id,
                    Shape(
                        element_id=element_id,
                        bounds=bounds,
                        id=item.get("id"),
                        is_expanded=_optional_flag(item, "isExpanded"),
                        is_horizontal=_optional_flag(item, "isHorizontal"),
                        label=_label(item),
                    ),
                )
            elif local_name(item) == "BPMNEdge":
                points = tuple(
                    Point(_number(p.get("x")), _number(p.get("y")))
                    for p in item.findall(q(DI, "waypoint"))
                )
                edges.setdefault(
                    element_id,
                    Edge(
                        element_id=element_id,
                        waypoints=points,
                        id=item.get("id"),
                        label=_label(item),
                    ),
                )
    return Diagram(
        id=el.get("id"),
        name=el.get("name"),
        plane_element=plane.get("bpmnElement") if plane is not None else None,
        shapes=FrozenDict(shapes),
        edges=FrozenDict(edges),
    )


def _format(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _write_bounds(parent: Element, bounds: Bounds) -> None:
    etree.SubElement(
        parent,
        q(DC, "Bounds"),
        x=_format(bounds.x),
        y=_format(bounds.y),
        width=_format(bounds.width),
        height=_format(bounds.height),
    )


def write_diagram(
    parent: Element, diagram: Diagram, index: int, *, declare: bool = False
) -> Element:
    """Append `diagram` to `parent` (the definitions element) as BPMN DI; with `declare`
    the DI namespaces are declared on the diagram element itself (for a parent that does
    not declare them)."""
    root = etree.Element(
        q(BPMNDI, "BPMNDiagram"),
        nsmap={"bpmndi": BPMNDI, "dc": DC, "di": DI} if declare else None,
    )
    parent.append(root)
    root.set("id", diagram.id or f"BPMNDiagram_{index}")
    if diagram.name:
        root.set("name", diagram.name)
    plane = etree.SubElement(root, q(BPMNDI, "BPMNPlane"), id=f"BPMNPlane_{index}")
    if diagram.plane_element:
        plane.set("bpmnElement", diagram.plane_element)
    for shape in diagram.shapes.values():
        item = etree.SubElement(
            plane,
            q(BPMNDI, "BPMNShape"),
            id=shape.id or f"{shape.element_id}_di",
            bpmnElement=shape.element_id,
        )
        if shape.is_horizontal is not None:
            item.set("isHorizontal", "true" if shape.is_horizontal else "false")
        if shape.is_expanded is not None:
            item.set("isExpanded", "true" if shape.is_expanded else "false")
        _write_bounds(item, shape.bounds)
        if shape.label is not None:
            _write_bounds(etree.SubElement(item, q(BPMNDI, "BPMNLabel")), shape.label)
    for edge in diagram.edges.values():
        item = etree.SubElement(
            plane,
            q(BPMNDI, "BPMNEdge"),
            id=edge.id or f"{edge.element_id}_di",
            bpmnElement=edge.element_id,
        )
        for point in edge.waypoints:
            etree.SubElement(item, q(DI, "waypoint"), x=_format(point.x), y=_format(point.y))
        if edge.label is not None:
            _write_bounds(etree.SubElement(item, q(BPMNDI, "BPMNLabel")), edge.label)
    return root
