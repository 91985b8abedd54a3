"""The state of one parse: options, problems found so far, elements read so far."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from lxml import etree

from regista.bpmn.expressions import JuelError, read_formal, read_value
from regista.bpmn.namespaces import BPMN, CAMUNDA, LEGACY, REGISTA, q
from regista.model.bpmn import (
    Association,
    DataObject,
    Expression,
    FlowNode,
    Problem,
    SequenceFlow,
)

Element = etree._Element


def line_of(el: Element) -> int | None:
    """The source line of `el`, if known."""
    line = el.sourceline
    return line if isinstance(line, int) else None


def local_name(el: Element) -> str:
    """The tag of `el` without its namespace."""
    return etree.QName(el).localname


def namespace_of(el: Element) -> str | None:
    """The namespace URI of `el`."""
    return etree.QName(el).namespace


def children(el: Element, namespace: str | None = None) -> Iterator[Element]:
    """The child elements of `el` (no comments), optionally only those in `namespace`."""
    for child in el.iterchildren("*"):
        if namespace is None or namespace_of(child) == namespace:
            yield child


def child(el: Element, local: str) -> Element | None:
    """The first BPMN child of `el` named `local`."""
    return el.find(q(BPMN, local))


class Reader:
    """Options and accumulated results of one parse, shared by the element handlers.

    Problems the model cannot hold (missing ids, untranslatable JUEL, ...) are collected
    so every one is reported, not only the first.
    """

    def __init__(self, *, file: str | None, expression_language: str, camunda7: bool) -> None:
        self.file = file
        self.expression_language = expression_language
        #: Camunda 7 semantics apply (the file declares the camunda namespace).
        self.camunda7 = camunda7
        self.problems: list[Problem] = []
        #: Problems from expressions that could not be translated (raised when strict).
        self.expression_problems: list[Problem] = []
        self.current_id: str | None = None
        #: Line of the first element seen with each id, to report duplicates.
        self.seen_ids: dict[str, int | None] = {}
        self.nodes: list[FlowNode | None] = []
        self.flows: list[SequenceFlow] = []
        self.associations: list[Association] = []
        self.data_objects: list[DataObject] = []
        #: Every id the document declares, so a generated id never takes one of them.
        self.declared_ids: set[str] = set()
        #: Whether the process being read is executable; the problems of one that is not
        #: are warnings (no engine runs it).
        self.executable = True

    def reset_scope(self) -> None:
        """Start collecting the elements of a new process."""
        self.nodes = []
        self.flows = []
        self.associations = []
        self.data_objects = []

    def problem(
        self,
        message: str,
        el: Element | None,
        *,
        severity: Literal["error", "warning"] = "error",
        element_id: str | None = None,
        expression: bool = False,
    ) -> None:
        """Record a problem at `el` (its line) for `element_id` or the current element."""
        if severity == "error" and not self.executable:
            severity = "warning"
            message += " (a warning only: the process is not executable)"
        found = Problem(
            severity=severity,
            message=message,
            element_id=element_id or self.current_id,
            line=line_of(el) if el is not None else None,
            file=self.file,
        )
        (self.expression_problems if expression else self.problems).append(found)

    def ident(self, el: Element) -> str:
        """The id of `el`; a missing id is a problem and gets a stand-in."""
        value = el.get("id")
        if value:
            if value in self.seen_ids:
                first = self.seen_ids[value]
                at = f" (first on line {first})" if first else ""
                self.problem(
                    f"the id '{value}' is used twice{at}; make every id unique",
                    el,
                    element_id=value,
                )
            else:
                self.seen_ids[value] = line_of(el)
            return value
        stand_in = f"{local_name(el)}_line{line_of(el) or 0}"
        self.problem(
            f"<{local_name(el)}> has no id; give it a unique id attribute",
            el,
            element_id=stand_in,
        )
        return stand_in

    def generated_id(self, el: Element, hint: str) -> str:
        """A stable id for an element the schema lets go without one (a sequence flow):
        `hint` (e.g. source and target), numbered when taken; the file keeps no id."""
        base = re.sub(r"[^A-Za-z0-9_.\-]+", "_", hint).strip("_") or local_name(el)
        candidate, number = base, 1
        while candidate in self.seen_ids or candidate in self.declared_ids:
            number += 1
            candidate = f"{base}_{number}"
        self.seen_ids[candidate] = line_of(el)
        return candidate

    @staticmethod
    def ref(el: Element, name: str) -> str | None:
        """A QName reference attribute (`messageRef`, `errorRef`, ...): a prefixed name
        (`tns:report`) resolves through its prefix's namespace to the local id, as every
        element of the file lives in the file's target namespace."""
        value = el.get(name)
        if value is None:
            return None
        value = value.strip()
        prefix, colon, local = value.partition(":")
        if colon and prefix in el.nsmap and local:
            return local
        return value

    def value(self, text: str | None, el: Element, what: str) -> Expression | None:
        """A value attribute (`=feel`, `${juel}` or a literal) of `el`, None if absent."""
        if text is None:
            return None
        try:
            return read_value(text)
        except JuelError as exc:
            self._juel_problem(text, exc, el, what)
            return Expression(text.strip(), "juel")

    def formal(self, el: Element | None, what: str) -> Expression | None:
        """The formal expression held by `el` (text + `language`), None if absent or empty."""
        if el is None:
            return None
        text = el.text or ""
        if not text.strip():
            return None
        if el.get(q(CAMUNDA, "resource")):
            self.problem(
                f"{what} loads an external script resource, which is not supported; "
                "write the expression inline",
                el,
            )
        try:
            return read_formal(text, el.get("language"), self.expression_language)
        except JuelError as exc:
            self._juel_problem(text, exc, el, what)
            return Expression(text.strip(), "juel")

    def _juel_problem(self, text: str, exc: JuelError, el: Element, what: str) -> None:
        self.problem(
            f"{what}: the JUEL expression {text.strip()!r} cannot be translated to FEEL "
            f"({exc}); rewrite it in FEEL, e.g. '=a > 10 and b = \"x\"'",
            el,
            expression=True,
        )

    @staticmethod
    def flag(el: Element, name: str, default: bool) -> bool:
        """A boolean attribute (`name` may be Clark-qualified) with its default."""
        value = el.get(name)
        if value is None:
            return default
        return value.strip().lower() == "true"

    @staticmethod
    def camunda(el: Element, name: str) -> str | None:
        """A Camunda 7 attribute of `el`, or its Activiti / Flowable twin of the same name
        (the ancestors of Camunda 7, whose attributes mean the same)."""
        value = el.get(q(CAMUNDA, name))
        if value is None:
            for namespace in LEGACY:
                value = el.get(q(namespace, name))
                if value is not None:
                    break
        return value

    @staticmethod
    def regista_attributes(el: Element) -> dict[str, str]:
        """The `regista:` attributes of `el`, by local name."""
        prefix = f"{{{REGISTA}}}"
        found = {}
        for key, value in el.attrib.items():
            name = str(key)
            if name.startswith(prefix):
                found[name[len(prefix) :]] = str(value)
        return found
