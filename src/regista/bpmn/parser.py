"""Parsing BPMN 2.0 XML into the immutable model, safely.

The XML is read with entity expansion, DTDs and network access off, a DOCTYPE is refused
and the size is capped, so an untrusted file can neither expand nor fetch anything. Any
namespace prefix works; elements are recognised by namespace URI. Flow nodes are built by
the handler registry of `regista.bpmn.handlers`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from lxml import etree

from regista.bpmn.assembly import assemble_process
from regista.bpmn.correlation import correlation_keys
from regista.bpmn.diagram import read_diagram
from regista.bpmn.errors import BpmnParseError
from regista.bpmn.extensions import Extensions, read_extensions
from regista.bpmn.handlers import documentation, read_scope
from regista.bpmn.io_specification import data_names
from regista.bpmn.message_flows import carry_messages
from regista.bpmn.namespaces import BPMN, BPMNDI, CAMUNDA, LEGACY, MODELER, q
from regista.bpmn.reader import Element, Reader, children, line_of, local_name, namespace_of
from regista.model.bpmn import (
    Collaboration,
    Definitions,
    Diagram,
    Error,
    ErrorEventDefinition,
    Escalation,
    Expression,
    ItemDefinition,
    Lane,
    Message,
    MessageFlow,
    Participant,
    Problem,
    Process,
    Signal,
)
from regista.model.frozen import FrozenDict

__all__ = ["DEFAULT_MAX_BYTES", "load_xml", "parse", "parse_file"]

#: Files larger than this are refused unless the caller raises `max_bytes`.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

Source = str | bytes | os.PathLike[str]


def parse(
    source: Source,
    *,
    strict: bool = True,
    expression_language: str = "feel",
    max_bytes: int = DEFAULT_MAX_BYTES,
    file: str | None = None,
) -> Definitions:
    """Parse BPMN XML given as bytes, XML text, or a path.

    With `strict` (the default) every problem the model cannot hold — a missing id, a
    JUEL expression that has no FEEL translation, ... — raises `BpmnParseError` listing
    them all; otherwise they are kept in `Definitions.problems` for `validate` to report.
    `expression_language` ("feel" or "python") is the language of formal expressions that
    carry no marker.
    """
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, str) and source.lstrip().startswith("<"):
        data = source.encode("utf-8")
        if source.lstrip().startswith("<?xml"):
            # The declaration may name another encoding; the text is already decoded.
            data = _drop_declaration_encoding(source).encode("utf-8")
    else:
        return parse_file(
            source,
            strict=strict,
            expression_language=expression_language,
            max_bytes=max_bytes,
        )
    return _parse_bytes(data, file, strict, expression_language, max_bytes)


def parse_file(
    path: str | os.PathLike[str],
    *,
    strict: bool = True,
    expression_language: str = "feel",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Definitions:
    """Parse the BPMN file at `path` (see `parse`)."""
    name = os.fspath(path)
    try:
        size = Path(name).stat().st_size
        if size > max_bytes:
            raise _too_large(size, max_bytes, name)
        data = Path(name).read_bytes()
    except OSError as exc:
        raise BpmnParseError(f"cannot read the file: {exc.strerror or exc}", file=name) from exc
    return _parse_bytes(data, name, strict, expression_language, max_bytes)


def _drop_declaration_encoding(text: str) -> str:
    end = text.find("?>")
    declaration = text[: end + 2]
    return re.sub(r"\s+encoding=(['\"]).*?\1", "", declaration, count=1) + text[end + 2 :]


def _too_large(size: int, limit: int, file: str | None) -> BpmnParseError:
    return BpmnParseError(
        f"the file is {size} bytes, more than the limit of {limit}; pass a larger "
        "max_bytes if the file is trusted",
        file=file,
    )


def _refuse_doctype(data: bytes, file: str | None) -> None:
    head = data[:65536]
    text = head.decode("utf-16", "ignore") if head[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
    if b"<!DOCTYPE" in head or "<!DOCTYPE" in text:
        raise BpmnParseError(
            "DOCTYPE declarations are not allowed (they can expand entities or fetch "
            "files); remove the <!DOCTYPE ...> line",
            file=file,
            line=head[: head.find(b"<!DOCTYPE")].count(b"\n") + 1 if b"<!DOCTYPE" in head else 1,
        )


def load_xml(data: bytes, file: str | None, max_bytes: int = DEFAULT_MAX_BYTES) -> Element:
    """The root element of `data`, parsed safely (no DTD, entities or network, size capped)."""
    if len(data) > max_bytes:
        raise _too_large(len(data), max_bytes, file)
    _refuse_doctype(data, file)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        collect_ids=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        message = str(exc.msg) if exc.msg else str(exc)
        raise BpmnParseError(
            f"malformed XML: {message}; fix the XML syntax", file=file, line=line
        ) from exc
    docinfo = root.getroottree().docinfo
    if getattr(docinfo, "doctype", "") or getattr(docinfo, "internalDTD", None) is not None:
        raise BpmnParseError("DOCTYPE declarations are not allowed", file=file, line=1)
    return root


def _parse_bytes(
    data: bytes, file: str | None, strict: bool, expression_language: str, max_bytes: int
) -> Definitions:
    root = load_xml(data, file, max_bytes)
    if root.tag != q(BPMN, "definitions"):
        namespace = namespace_of(root)
        if local_name(root) == "definitions":
            hint = f"its namespace is '{namespace}'" if namespace else "it has no namespace"
            message = f"not a BPMN 2.0 file: {hint}; BPMN 2.0 definitions use xmlns='{BPMN}'"
        else:
            message = (
                f"not a BPMN 2.0 file: the root element is <{local_name(root)}>, expected "
                f"<definitions xmlns='{BPMN}'>"
            )
        raise BpmnParseError(message, file=file, line=line_of(root))
    # Camunda 7 semantics (explicit variable passing of call activities, ...) apply to
    # Camunda 7 files and to those of its ancestors, Activiti and Flowable.
    dialects = (CAMUNDA, *LEGACY)
    camunda7 = any(ns in root.nsmap.values() for ns in dialects) or any(
        str(k).startswith(tuple(f"{{{ns}}}" for ns in dialects))
        for el in root.iter("*")
        for k in el.attrib
    )
    reader = Reader(file=file, expression_language=expression_language, camunda7=camunda7)
    reader.declared_ids = {str(el.get("id")) for el in root.iter("*") if el.get("id")}
    definitions = _definitions(reader, root, data)
    errors = [p for p in reader.problems + reader.expression_problems if p.severity == "error"]
    if strict and errors:
        first = errors[0]
        summary = (
            first.message
            if len(errors) == 1
            else f"{len(errors)} problems, the first: {first.message}"
        )
        raise BpmnParseError(
            summary,
            file=file,
            line=first.line,
            element_id=first.element_id,
            problems=tuple(errors),
        )
    return definitions


def _definitions(reader: Reader, root: Element, data: bytes) -> Definitions:
    messages: dict[str, Message] = {}
    signals: dict[str, Signal] = {}
    errors: dict[str, Error] = {}
    escalations: dict[str, Escalation] = {}
    items: dict[str, ItemDefinition] = {}
    processes: dict[str, Process] = {}
    collaborations: list[Collaboration] = []
    diagrams: list[Diagram] = []
    for el in children(root):
        if namespace_of(el) == BPMNDI and local_name(el) == "BPMNDiagram":
            diagrams.append(read_diagram(el))
            continue
        if namespace_of(el) != BPMN:
            continue
        tag = local_name(el)
        reader.current_id = el.get("id")
        if tag == "process":
            process = _process(reader, el)
            processes.setdefault(process.id, process)
        elif tag == "collaboration":
            collaborations.append(_collaboration(reader, el))
        elif tag == "message":
            message = _message(reader, el)
            messages.setdefault(message.id, message)
        elif tag == "signal":
            signal_id = reader.ident(el)
            name = reader.value(el.get("name"), el, "signal name")
            signals.setdefault(signal_id, Signal(id=signal_id, name=name, line=line_of(el)))
        elif tag == "error":
            error_id = reader.ident(el)
            code = reader.value(el.get("errorCode"), el, "error code")
            errors.setdefault(
                error_id, Error(id=error_id, name=el.get("name"), code=code, line=line_of(el))
            )
        elif tag == "escalation":
            esc_id = reader.ident(el)
            code = reader.value(el.get("escalationCode"), el, "escalation code")
            escalations.setdefault(
                esc_id, Escalation(id=esc_id, name=el.get("name"), code=code, line=line_of(el))
            )
        elif tag == "itemDefinition":
            item_id = reader.ident(el)
            items.setdefault(
                item_id,
                ItemDefinition(
                    id=item_id,
                    structure_ref=el.get("structureRef"),
                    item_kind=el.get("itemKind"),
                    is_collection=reader.flag(el, "isCollection", False),
                    line=line_of(el),
                ),
            )
    _implicit_errors(reader, processes, errors)
    correlation_keys(reader, root, messages)
    carry_messages(processes, collaborations, messages)
    return Definitions(
        id=root.get("id") or "Definitions",
        name=root.get("name"),
        target_namespace=root.get("targetNamespace"),
        execution_platform=root.get(q(MODELER, "executionPlatform")),
        execution_platform_version=root.get(q(MODELER, "executionPlatformVersion")),
        processes=FrozenDict(processes),
        collaborations=tuple(collaborations),
        messages=FrozenDict(messages),
        signals=FrozenDict(signals),
        errors=FrozenDict(errors),
        escalations=FrozenDict(escalations),
        item_definitions=FrozenDict(items),
        exporter=root.get("exporter"),
        exporter_version=root.get("exporterVersion"),
        diagrams=tuple(diagrams),
        source=data,
        file=reader.file,
        expression_language=reader.expression_language,
        problems=tuple(reader.problems),
    )


def _implicit_errors(
    reader: Reader, processes: dict[str, Process], errors: dict[str, Error]
) -> None:
    """An `errorRef` naming no `<error>` is the error code itself (Camunda 7, Activiti):
    add that error, with a warning that says how to declare it."""
    for process in processes.values():
        for node in process.elements.values():
            for definition in getattr(node, "event_definitions", ()):
                ref = getattr(definition, "error_ref", None)
                if not isinstance(definition, ErrorEventDefinition) or ref is None:
                    continue
                if ref in errors:
                    continue
                errors.setdefault(
                    ref, Error(id=ref, name=ref, code=Expression.literal(ref), implicit=True)
                )
                reader.problems.append(
                    Problem(
                        severity="warning",
                        message=f"the error '{ref}' is not defined, so '{ref}' is its error "
                        f'code (as Camunda 7 reads it); declare <error id="{ref}" '
                        f'errorCode="{ref}"> to make that explicit',
                        element_id=node.id,
                        line=node.line,
                        file=reader.file,
                    )
                )


def _message(reader: Reader, el: Element) -> Message:
    message_id = reader.ident(el)
    reader.current_id = message_id
    subscription = read_extensions(reader, el).zeebe.get("subscription", {})
    return Message(
        id=message_id,
        name=reader.value(el.get("name"), el, "message name"),
        correlation_key=reader.value(
            subscription.get("correlationKey"), el, "message correlation key"
        ),
        line=line_of(el),
    )


def _common(reader: Reader, el: Element, ext: Extensions | None = None) -> dict[str, Any]:
    element_id = reader.ident(el)
    reader.current_id = element_id
    if ext is None:
        ext = read_extensions(reader, el)
    return {
        "id": element_id,
        "name": el.get("name"),
        "documentation": documentation(el),
        "properties": FrozenDict(ext.properties),
        "extensions": FrozenDict(reader.regista_attributes(el)),
        "line": line_of(el),
    }


def _process(reader: Reader, el: Element) -> Process:
    reader.current_id = el.get("id")
    ext = read_extensions(reader, el)
    fields = _common(reader, el, ext)
    zeebe = ext.zeebe
    fields["is_executable"] = reader.flag(el, "isExecutable", True)
    reader.executable = fields["is_executable"]
    fields["version_tag"] = zeebe.get("versionTag", {}).get("value") or reader.camunda(
        el, "versionTag"
    )
    fields["forms"] = FrozenDict(ext.forms)
    declared = data_names(el)
    if declared is not None:
        fields["data_inputs"], fields["data_outputs"] = declared
    reader.reset_scope()
    read_scope(reader, el, fields["id"])
    lanes: list[Lane] = []
    for lane_set in el.findall(q(BPMN, "laneSet")):
        lanes.extend(_lanes(reader, lane_set))
    reader.executable = True
    return assemble_process(
        fields,
        [node for node in reader.nodes if node is not None],
        reader.flows,
        associations=reader.associations,
        data_objects=reader.data_objects,
        lanes=tuple(lanes),
    )


def _lanes(reader: Reader, lane_set: Element) -> list[Lane]:
    lanes = []
    for el in lane_set.findall(q(BPMN, "lane")):
        fields = _common(reader, el)
        refs = tuple((ref.text or "").strip() for ref in el.findall(q(BPMN, "flowNodeRef")))
        nested = el.find(q(BPMN, "childLaneSet"))
        child_lanes = tuple(_lanes(reader, nested)) if nested is not None else ()
        lanes.append(Lane(**fields, flow_node_refs=refs, child_lanes=child_lanes))
    return lanes


def _collaboration(reader: Reader, el: Element) -> Collaboration:
    fields = _common(reader, el)
    participants = []
    flows = []
    for item in children(el, BPMN):
        tag = local_name(item)
        if tag == "participant":
            participants.append(
                Participant(**_common(reader, item), process_ref=reader.ref(item, "processRef"))
            )
        elif tag == "messageFlow":
            flows.append(
                MessageFlow(
                    **_common(reader, item),
                    source=item.get("sourceRef", ""),
                    target=item.get("targetRef", ""),
                    message_ref=reader.ref(item, "messageRef"),
                )
            )
    return Collaboration(**fields, participants=tuple(participants), message_flows=tuple(flows))
