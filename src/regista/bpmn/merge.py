"""Writing a changed model back into the file it came from, keeping the file's dialect.

A model parsed from a file and then changed in code is written as that file with the
changes applied element by element: what did not change keeps its XML as it was (Camunda 7
attributes and JUEL, listeners, `activiti:`/`flowable:` attributes, unknown extensions,
comments, `xsi:schemaLocation`, `typeLanguage`, ...); a changed element is written again
(in Camunda 7 words for a Camunda 7 file, `regista.bpmn.dialect`) keeping what the model
does not hold and the text of every field that did not change; added elements are written,
removed ones taken out with their diagram shapes. The result must read back as the model,
else `merge` gives None and the caller generates the file instead.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree

from regista.bpmn.diagram import write_diagram
from regista.bpmn.dialect import to_camunda7
from regista.bpmn.errors import BpmnParseError
from regista.bpmn.expressions import JuelError, read_value
from regista.bpmn.layout import diagrams_for
from regista.bpmn.namespaces import BPMN, BPMNDI, CAMUNDA, LEGACY, ZEEBE, q
from regista.bpmn.parser import load_xml, parse
from regista.bpmn.reader import Element, local_name, namespace_of
from regista.bpmn.writer import (
    RootItem,
    write_collaboration,
    write_flow,
    write_node,
    write_process,
    write_root_item,
)
from regista.model.bpmn import (
    BaseElement,
    Definitions,
    Error,
    FlowNode,
    Process,
    SequenceFlow,
    SubProcess,
)
from regista.model.frozen import FrozenDict

__all__ = ["merge"]

_DIALECTS = (CAMUNDA, *LEGACY)

#: Unqualified attributes the model holds: written from the model, never copied back.
_MODELLED_ATTRIBUTES = frozenset(
    {
        "id", "name", "default", "isForCompensation", "messageRef", "instantiate",
        "scriptFormat", "calledElement", "triggeredByEvent", "method", "ordering",
        "cancelRemainingInstances", "parallelMultiple", "isInterrupting", "attachedToRef",
        "cancelActivity", "sourceRef", "targetRef", "associationDirection", "isExecutable",
        "processRef", "itemSubjectRef", "isCollection", "dataObjectRef", "dataStoreRef",
        "eventGatewayType", "errorCode", "escalationCode", "structureRef", "itemKind",
    }
)  # fmt: skip

#: Camunda 7 (and Activiti / Flowable) attributes the model holds.
_MODELLED_DIALECT = frozenset(
    {
        "assignee", "candidateUsers", "candidateGroups", "dueDate", "followUpDate",
        "priority", "formKey", "formRef", "type", "topic", "taskPriority", "asyncBefore",
        "async", "asyncAfter", "class", "delegateExpression", "expression", "resultVariable",
        "calledElementBinding", "calledElementVersion", "calledElementVersionTag",
        "decisionRef", "decisionRefBinding", "decisionRefVersion", "decisionRefVersionTag",
        "mapDecisionResult", "collection", "elementVariable", "initiator",
        "errorCodeVariable", "errorMessageVariable", "variableName", "variableEvents",
        "versionTag",
    }
)  # fmt: skip

#: Extension elements the model holds, with the model fields each one carries.
_EXTENSION_FIELDS: dict[str, tuple[str, ...]] = {
    "inputOutput": ("inputs", "outputs"),
    "ioMapping": ("inputs", "outputs"),
    "in": ("inputs", "propagate_all_parent_variables"),
    "out": ("outputs", "propagate_all_child_variables"),
    "properties": ("properties",),
    "connector": ("delegate",),
    "taskDefinition": ("job",),
    "taskHeaders": ("headers",),
    "assignmentDefinition": ("assignee", "candidate_users", "candidate_groups"),
    "taskSchedule": ("due_date", "follow_up_date"),
    "formDefinition": ("form_key", "form_id"),
    "priorityDefinition": ("priority",),
    "calledElement": ("called_element", "binding", "version"),
    "calledDecision": ("decision_id", "result_variable", "binding", "version"),
    "script": ("script", "script_format", "result_variable"),
    "versionTag": ("version_tag",),
    "subscription": ("correlation_key",),
    "userTaskForm": ("forms",),
}

#: BPMN child elements by the model fields they carry (kept as they were when equal).
_CHILD_FIELDS: dict[str, tuple[str, ...]] = {
    "documentation": ("documentation",),
    "incoming": ("incoming",),
    "outgoing": ("outgoing",),
    "multiInstanceLoopCharacteristics": ("loop",),
    "standardLoopCharacteristics": ("loop",),
    "conditionExpression": ("condition",),
    "script": ("script", "script_format"),
    "completionCondition": ("completion_condition",),
    "activationCondition": ("activation_condition",),
    "laneSet": ("lanes",),
}
_DEFINITION_SUFFIX = "EventDefinition"

#: Children of a process or subprocess that are its content rather than its own fields.
_OWN = frozenset({*_CHILD_FIELDS, "extensionElements"}) - {"laneSet"}


def merge(definitions: Definitions, source: bytes) -> bytes | None:
    """`source` with the changes of `definitions` applied; None when that cannot be done
    faithfully (the caller then generates the file)."""
    limit = len(source) + 1
    try:
        original = parse(
            source,
            strict=False,
            expression_language=definitions.expression_language,
            max_bytes=limit,
        )
        root = load_xml(source, definitions.file, limit)
    except BpmnParseError:
        return None
    merger = _Merger(definitions, original, root)
    merger.run()
    data = _serialize(root, source, merger.same_root)
    try:
        again = parse(
            data,
            strict=False,
            expression_language=definitions.expression_language,
            max_bytes=len(data) + 1,
        )
    except BpmnParseError:
        return None
    return data if isinstance(data, bytes) and again == definitions else None


def _serialize(root: Element, source: bytes, same_root: bool) -> bytes:
    """The root element written between the source's own prolog (declaration, comments)
    and epilog, so nothing outside the root changes; with `same_root` the root's start
    tag is the source's too (its attributes as they were laid out)."""
    encoding = root.getroottree().docinfo.encoding or "UTF-8"
    tail, root.tail = root.tail, None
    written = etree.tostring(root, encoding=encoding, xml_declaration=False)
    root.tail = tail
    body = written if isinstance(written, bytes) else written.encode(encoding)
    opening = b"<" + (f"{root.prefix}:" if root.prefix else "").encode() + b"definitions"
    start = source.find(opening)
    close = b"</" + opening[1:]
    end = source.rfind(close)
    if encoding.upper() not in ("UTF-8", "ASCII", "US-ASCII") or start < 0 or end < 0:
        whole = etree.tostring(root.getroottree(), encoding=encoding, xml_declaration=True)
        return whole if isinstance(whole, bytes) else whole.encode(encoding)
    end = source.find(b">", end) + 1
    if same_root:
        original_head = source.find(b">", start) + 1
        head = body.find(b">") + 1
        if source[original_head - 2 : original_head] != b"/>" and body[head - 2 : head] != b"/>":
            body = source[start:original_head] + body[head:]
    return source[:start] + body + source[end:]


def _indent(el: Element, parent: Element) -> None:
    """Indent a written element like its new siblings."""
    depth = sum(1 for _ in parent.iterancestors()) + 1
    text = parent.text or ""
    step = "  "
    if "\n" in text:
        own = text.rsplit("\n", 1)[1]
        if own.strip() == "" and own and depth:
            step = own[: max(1, len(own) // depth)] if len(own) % depth == 0 else "  "
    etree.indent(el, space=step, level=depth)


def _append(parent: Element, el: Element) -> None:
    """Append `el` to `parent`'s children as a new line at their indentation."""
    if el.getparent() is not None:
        el.getparent().remove(el)  # type: ignore[union-attr]
    if len(parent):
        last = parent[-1]
        el.tail = last.tail
        last.tail = parent.text if parent.text and parent.text.strip() == "" else "\n"
    parent.append(el)
    _indent(el, parent)


def _bare(process: Process, **tables: Any) -> Process:
    """`process` without its content, but for `tables` (table name -> items by id)."""
    empty: dict[str, Any] = {
        "elements": FrozenDict(),
        "flows": FrozenDict(),
        "associations": FrozenDict(),
        "data_objects": FrozenDict(),
        "lanes": (),
    }
    empty.update(tables)
    return dataclasses.replace(process, **empty)


def _same_text(old: str, new: str) -> bool:
    """Whether two attribute texts mean the same value (`${a}` and `=a`, `tns:m` and `m`)."""
    if old == new:
        return True
    if ":" in old and old.partition(":")[2] == new:
        return True
    try:
        return read_value(old) == read_value(new)
    except JuelError:
        return False


def _kept_attribute(name: str) -> bool:
    """Whether an attribute of the old element is one the model does not hold."""
    qname = etree.QName(name)
    if qname.namespace is None:
        return qname.localname not in _MODELLED_ATTRIBUTES
    if qname.namespace in _DIALECTS:
        return qname.localname not in _MODELLED_DIALECT
    return qname.namespace != ZEEBE


def _equal(before: object, after: object, fields: Iterable[str]) -> bool:
    return all(getattr(before, f, None) == getattr(after, f, None) for f in fields)


def _group(el: Element) -> str | None:
    """The model-field group of a BPMN child element, None for other content."""
    if not isinstance(el.tag, str) or namespace_of(el) != BPMN:
        return None
    name = local_name(el)
    if name.endswith(_DEFINITION_SUFFIX) or name == "eventDefinitionRef":
        return "eventDefinitions"
    return name if name in _CHILD_FIELDS or name == "extensionElements" else None


class _Merger:
    def __init__(self, definitions: Definitions, original: Definitions, root: Element) -> None:
        self.defs = definitions
        self.original = original
        self.root = root
        declared = set(root.nsmap.values())
        #: The file's Camunda 7 family namespace (Camunda 7, Flowable or Activiti), if any.
        self.dialect_namespace = next((ns for ns in _DIALECTS if ns in declared), None)
        self.removed: set[str] = set()
        self.added = False
        #: The root element's own attributes did not change.
        self.same_root = True

    # -- the whole file -------------------------------------------------------------------

    def run(self) -> None:
        for attr, before, after in (
            ("id", self.original.id, self.defs.id),
            ("name", self.original.name, self.defs.name),
            ("targetNamespace", self.original.target_namespace, self.defs.target_namespace),
        ):
            if before != after:
                self.same_root = False
                if after is None:
                    if attr in self.root.attrib:
                        del self.root.attrib[attr]
                else:
                    self.root.set(attr, after)
        for tag, table in (
            ("itemDefinition", "item_definitions"),
            ("message", "messages"),
            ("error", "errors"),
            ("escalation", "escalations"),
            ("signal", "signals"),
        ):
            self.root_items(tag, getattr(self.original, table), getattr(self.defs, table))
        if self.defs.collaborations != self.original.collaborations:
            self.collaborations()
        self.processes()
        self.diagrams()

    def dialect(self, el: Element) -> Element:
        if self.dialect_namespace is not None:
            to_camunda7(el, self.dialect_namespace)
        return el

    def xml_children(self, parent: Element, tag: str) -> dict[str, Element]:
        return {
            str(el.get("id")): el
            for el in parent.iterchildren(q(BPMN, tag))
            if el.get("id") is not None
        }

    def anchor(self) -> Element | None:
        """The first collaboration, process or diagram: new root items go before it."""
        for el in self.root.iterchildren("*"):
            if local_name(el) in ("collaboration", "process", "BPMNDiagram"):
                return el
        return None

    def insert_root(self, el: Element, before: Element | None) -> None:
        self.root.remove(el)
        if before is None:
            _append(self.root, el)
            return
        previous = before.getprevious()
        el.tail = previous.tail if previous is not None else self.root.text
        before.addprevious(el)
        _indent(el, self.root)

    def root_items(
        self, tag: str, before: Mapping[str, RootItem], after: Mapping[str, RootItem]
    ) -> None:
        xml = self.xml_children(self.root, tag)
        for item_id, el in xml.items():
            if item_id not in after or (
                isinstance(after[item_id], Error) and getattr(after[item_id], "implicit", False)
            ):
                self.root.remove(el)
        for item_id, item in after.items():
            old = xml.get(item_id)
            if old is not None and before.get(item_id) == item:
                continue
            fresh = write_root_item(self.root, item)
            if fresh is None:
                continue
            self.dialect(fresh)
            if old is not None:
                self.rewrite(old, fresh, before[item_id], item)
            else:
                self.insert_root(fresh, self.anchor())

    def collaborations(self) -> None:
        old = list(self.root.iterchildren(q(BPMN, "collaboration")))
        place = old[0] if old else self.anchor()
        for collaboration in self.defs.collaborations:
            fresh = self.dialect(write_collaboration(self.root, collaboration))
            self.insert_root(fresh, place)
        for el in old:
            self.root.remove(el)
        self.added = True

    def processes(self) -> None:
        xml = self.xml_children(self.root, "process")
        for process_id, el in xml.items():
            if process_id not in self.defs.processes:
                gone = self.original.processes.get(process_id)
                if gone is not None:
                    self.removed.update(gone.elements, gone.flows, {process_id})
                self.root.remove(el)
        for process in self.defs.processes.values():
            before = self.original.processes.get(process.id)
            old = xml.get(process.id)
            if before is None or old is None:
                fresh = self.dialect(write_process(self.root, process))
                self.insert_root(fresh, self.diagram_anchor())
                self.added = True
            elif before != process:
                self.process(old, before, process)

    def diagram_anchor(self) -> Element | None:
        return next(self.root.iterchildren(q(BPMNDI, "BPMNDiagram")), None)

    # -- a process --------------------------------------------------------------------------

    def process(self, el: Element, before: Process, after: Process) -> None:
        own = self.own_fields_changed(before, after)
        if own:
            holder = self.holder()
            fresh = self.dialect(write_process(holder, _bare(after)))
            el = self.rewrite(el, fresh, before, after, scope=True)
        if before.lanes != after.lanes:
            for lane_set in list(el.iterchildren(q(BPMN, "laneSet"))):
                el.remove(lane_set)
            if after.lanes:
                holder = self.holder()
                lanes = _bare(after, lanes=after.lanes)
                written = write_process(holder, lanes).find(q(BPMN, "laneSet"))
                if written is not None:
                    position = sum(1 for c in el if _group(c) in _OWN)
                    el.insert(position, written)
        self.scope(el, before, after, after.id)

    @staticmethod
    def own_fields_changed(before: BaseElement, after: BaseElement) -> bool:
        skip = {"elements", "flows", "associations", "data_objects", "lanes", "children"}
        skip |= {"start_events", "event_subprocesses"}
        return any(
            getattr(before, f.name) != getattr(after, f.name)
            for f in dataclasses.fields(after)
            if f.compare and f.name not in skip
        )

    def scope(self, el: Element, before: Process, after: Process, scope_id: str) -> None:
        """Merge the flow nodes, flows, associations and data of one scope."""
        items: dict[str, Any] = {}
        for table in (after.elements, after.flows, after.associations, after.data_objects):
            items.update({k: v for k, v in table.items() if v.parent == scope_id})
        olds: dict[str, Any] = {}
        for table in (before.elements, before.flows, before.associations, before.data_objects):
            olds.update({k: v for k, v in table.items() if v.parent == scope_id})
        xml = self.scope_xml(el, before, scope_id)
        for item_id, child in xml.items():
            if item_id not in olds:
                continue  # not a model element (a text annotation, a group, ...)
            if item_id not in items:
                self.removed.add(item_id)
                el.remove(child)
                continue
            node = items[item_id]
            if olds[item_id] != node:
                child = self.rewrite(child, self.fresh(node, after), olds[item_id], node)
            if isinstance(node, SubProcess):
                self.scope(child, before, after, node.id)
        for item_id, node in items.items():
            if item_id in xml:
                continue
            self.added = True
            _append(el, self.fresh(node, after))

    def scope_xml(self, el: Element, before: Process, scope_id: str) -> dict[str, Element]:
        """The XML children of a scope by model id (generated ids of flows without one
        found by their line and ends)."""
        found: dict[str, Element] = {}
        unnamed: dict[tuple[int | None, str, str], str] = {
            (f.line, f.source, f.target): f.id
            for f in before.flows.values()
            if f.parent == scope_id
        }
        for child in el.iterchildren(q(BPMN, "*")):
            child_id = child.get("id")
            if child_id is None and local_name(child) == "sequenceFlow":
                line = child.sourceline if isinstance(child.sourceline, int) else None
                key = (line, child.get("sourceRef", ""), child.get("targetRef", ""))
                child_id = unnamed.get(key)
            if child_id is not None:
                found.setdefault(child_id, child)
        return found

    def fresh(self, node: Any, process: Process) -> Element:
        holder = self.holder()
        if isinstance(node, SequenceFlow):
            return self.dialect(write_flow(holder, node))
        if isinstance(node, FlowNode):
            return self.dialect(write_node(holder, node, process))
        self.fresh_other(holder, node, process)
        return self.dialect(holder[-1])

    def holder(self) -> Element:
        """A parent for written elements that declares the file's namespace prefixes, so
        the elements use them (the default namespace included) once moved into the file."""
        nsmap = {k: v for k, v in self.root.nsmap.items() if k is not None or v == BPMN}
        for prefix, namespace in (("camunda", CAMUNDA), ("zeebe", ZEEBE)):
            if prefix not in nsmap and namespace not in nsmap.values():
                nsmap[prefix] = namespace
        return etree.Element(q(BPMN, "holder"), nsmap=nsmap or None)  # type: ignore[arg-type]

    @staticmethod
    def fresh_other(holder: Element, item: Any, process: Process) -> None:
        """Write an association or data object through a process holding only it."""
        table = "associations" if hasattr(item, "direction") else "data_objects"
        moved = dataclasses.replace(item, parent=process.id)
        alone = _bare(process, **{table: FrozenDict({item.id: moved})})
        written = write_process(holder, alone)
        holder.remove(written)
        for child in list(written):
            if child.get("id") == item.id:
                holder.append(child)

    # -- one element ------------------------------------------------------------------------

    def rewrite(
        self, old: Element, fresh: Element, before: Any, after: Any, *, scope: bool = False
    ) -> Element:
        """Put `fresh` in the place of `old`, keeping from `old` what the model does not
        hold and the text of every field that did not change; returns the element now in
        the tree."""
        for name, value in list(fresh.attrib.items()):
            previous = old.get(name)
            if previous is not None and previous != value and _same_text(previous, str(value)):
                fresh.set(name, previous)
        for name, value in old.attrib.items():
            if name not in fresh.attrib and _kept_attribute(str(name)):
                fresh.set(name, value)
        self.children(old, fresh, before, after, scope)
        parent = old.getparent()
        if fresh.getparent() is not None:
            fresh.getparent().remove(fresh)  # type: ignore[union-attr]
        fresh.tail = old.tail
        if parent is not None:
            parent.replace(old, fresh)
            _indent(fresh, parent)
        return fresh

    def children(self, old: Element, fresh: Element, before: Any, after: Any, scope: bool) -> None:
        if scope or isinstance(after, SubProcess):
            for child in list(fresh):
                if _group(child) is None or _group(child) == "laneSet":
                    fresh.remove(child)
            content = [c for c in old if _group(c) is None or _group(c) == "laneSet"]
        else:
            content = [c for c in old if _group(c) is None and isinstance(c.tag, str)]
        groups: dict[str, list[Element]] = {}
        for child in old:
            group = _group(child)
            if group is not None and group != "laneSet":
                groups.setdefault(group, []).append(child)
        for derived in ("incoming", "outgoing"):
            if derived not in groups:  # the file does not list them: derived, left out
                for child in fresh.findall(q(BPMN, derived)):
                    fresh.remove(child)
        for group, kept in groups.items():
            if group == "extensionElements":
                self.extensions(kept[0], fresh, before, after)
                continue
            fields = ("event_definitions",) if group == "eventDefinitions" else _CHILD_FIELDS[group]
            if not _equal(before, after, fields):
                continue
            written = [c for c in fresh if _group(c) == group]
            position = fresh.index(written[0]) if written else self.position(fresh, group)
            for child in written:
                fresh.remove(child)
            for offset, child in enumerate(kept):
                fresh.insert(position + offset, copy.deepcopy(child))
        anchor = self.position(fresh, "multiInstanceLoopCharacteristics")
        for offset, child in enumerate(content):
            if scope or isinstance(after, SubProcess):
                fresh.append(child)  # moved: the scope merge goes on inside it
            else:
                fresh.insert(anchor + offset, copy.deepcopy(child))

    @staticmethod
    def position(fresh: Element, group: str) -> int:
        order = ["documentation", "extensionElements", "incoming", "outgoing"]
        rank = order.index(group) if group in order else len(order)
        index = 0
        for i, child in enumerate(fresh):
            current = _group(child)
            if current in order and order.index(current) < rank:
                index = i + 1
        return index

    def extensions(self, old: Element, fresh: Element, before: Any, after: Any) -> None:
        """Merge the extension elements: items the model does not hold are kept; a held
        item whose fields did not change keeps its XML in place of the written one."""
        written = fresh.find(q(BPMN, "extensionElements"))
        if written is None:
            written = etree.Element(q(BPMN, "extensionElements"))
            fresh.insert(self.position(fresh, "extensionElements"), written)
        generated = [item for item in written if isinstance(item.tag, str)]
        for item in old:
            if not isinstance(item.tag, str):
                written.append(copy.deepcopy(item))
                continue
            fields = _EXTENSION_FIELDS.get(local_name(item))
            if namespace_of(item) not in (ZEEBE, *_DIALECTS) or fields is None:
                written.append(copy.deepcopy(item))  # the model does not hold it: kept
            elif _equal(before, after, fields):
                # The old item says the same: it replaces the written items for its fields.
                for other in generated:
                    other_fields = _EXTENSION_FIELDS.get(local_name(other), ())
                    if set(other_fields) & set(fields) and other.getparent() is written:
                        written.remove(other)
                written.append(copy.deepcopy(item))
        if len(written) == 0:
            fresh.remove(written)

    # -- the diagram -------------------------------------------------------------------------

    def diagrams(self) -> None:
        if self.added:
            for old in list(self.root.iterchildren(q(BPMNDI, "BPMNDiagram"))):
                self.root.remove(old)
            for index, diagram in enumerate(diagrams_for(self.defs), start=1):
                written = write_diagram(
                    self.root, diagram, index, declare=BPMNDI not in self.root.nsmap.values()
                )
                self.root.remove(written)
                _append(self.root, written)
        present = {str(el.get("id")) for el in self.root.iter("*") if el.get("id")}
        for plane in self.root.iter(q(BPMNDI, "BPMNPlane")):
            for item in list(plane):
                ref = item.get("bpmnElement") if isinstance(item.tag, str) else None
                if ref is not None and (ref in self.removed or ref not in present):
                    plane.remove(item)
