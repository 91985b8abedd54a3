"""Writing a model as BPMN 2.0 XML, keeping the file it came from.

A model parsed from a file and left unchanged is written back byte for byte; a file that
had no diagram gets a generated one inserted before its closing tag, every other byte kept.
A parsed model changed in code is written into its file element by element
(`regista.bpmn.merge`), so a Camunda 7 file stays a Camunda 7 file. A model built in code
(or one whose changes cannot be written into its file faithfully) is generated in Camunda 8
words (`regista.bpmn.writer`).
"""

from __future__ import annotations

from lxml import etree

from regista.bpmn.diagram import write_diagram
from regista.bpmn.errors import BpmnParseError
from regista.bpmn.layout import diagrams_for
from regista.bpmn.merge import merge
from regista.bpmn.parser import load_xml, parse
from regista.bpmn.writer import generate
from regista.model.bpmn import Definitions

__all__ = ["to_xml"]


def to_xml(definitions: Definitions, *, add_diagram: bool = True) -> bytes:
    """The BPMN XML of `definitions`.

    A parsed, unchanged model gives back its original bytes — or, when the file had no
    diagram and `add_diagram` is set, the original XML with a generated diagram appended
    and nothing else changed. A parsed model changed in code is written into its file,
    keeping the file's dialect; any other model is generated with diagram interchange.
    """
    source = definitions.source
    if source is None:
        return generate(definitions)
    if _unchanged(definitions, source):
        if definitions.diagrams or not add_diagram:
            return source
        return _append_diagrams(definitions, source)
    return merge(definitions, source) or generate(definitions)


def _append_diagrams(definitions: Definitions, source: bytes) -> bytes:
    """The source bytes with generated diagrams inserted before the closing root tag, so
    every other byte stays as it was."""
    root = load_xml(source, definitions.file, len(source) + 1)
    diagrams = diagrams_for(definitions)
    holder = etree.Element("holder")
    parts = []
    for index, diagram in enumerate(diagrams, start=1):
        item = write_diagram(holder, diagram, index, declare=True)
        etree.indent(item, space="  ", level=1)
        item.tail = None
        parts.append(b"  " + etree.tostring(item, encoding="UTF-8") + b"\n")
    encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper()
    close = b"</" + (f"{root.prefix}:" if root.prefix else "").encode() + b"definitions"
    end = source.rfind(close)
    if not parts:
        return source
    if encoding not in ("UTF-8", "ASCII", "US-ASCII") or end < 0:
        for index, diagram in enumerate(diagrams, start=1):
            write_diagram(root, diagram, index, declare=True)
        whole = etree.tostring(root.getroottree(), encoding=encoding, xml_declaration=True)
        return whole if isinstance(whole, bytes) else whole.encode(encoding)
    return source[:end] + b"".join(parts) + source[end:]


def _unchanged(definitions: Definitions, source: bytes) -> bool:
    try:
        again = parse(
            source,
            strict=False,
            expression_language=definitions.expression_language,
            max_bytes=len(source) + 1,
        )
    except BpmnParseError:
        return False
    return again == definitions
