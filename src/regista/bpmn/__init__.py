"""BPMN 2.0 XML <-> model: parse, validate, build in Python, write back.

    >>> from regista.bpmn import parse, validate, to_xml, ProcessBuilder
    >>> defs = parse("order.bpmn")          # or bytes / XML text
    >>> problems = validate(defs)          # every problem at once
    >>> xml = to_xml(defs)                 # the same bytes while unchanged

See `regista.model.bpmn` for the model the engine runs.
"""

from __future__ import annotations

from regista.bpmn.builder import BuilderError, ProcessBuilder, build_definitions
from regista.bpmn.errors import BpmnParseError
from regista.bpmn.export import to_xml
from regista.bpmn.parser import DEFAULT_MAX_BYTES, parse, parse_file
from regista.bpmn.validation import Problem, validate
from regista.bpmn.writer import generate

__all__ = [
    "DEFAULT_MAX_BYTES",
    "BpmnParseError",
    "BuilderError",
    "Problem",
    "ProcessBuilder",
    "build_definitions",
    "generate",
    "parse",
    "parse_file",
    "to_xml",
    "validate",
]
