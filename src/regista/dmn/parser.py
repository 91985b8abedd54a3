"""DMN XML (1.1 to 1.5) to `regista.model.dmn` values.

The XML parser is locked down: no DTDs, no entity expansion, no network, no huge trees.
A document with a DOCTYPE or entity declaration is refused outright, so a model from an
untrusted source can neither read local files nor blow up memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from lxml import etree

from regista.dmn.errors import DmnError
from regista.feel.juel import JuelError, is_juel, translate
from regista.model import dmn as m

DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "https://www.omg.org/spec/DMN/20211108/MODEL/": "1.4",
    "https://www.omg.org/spec/DMN/20230324/MODEL/": "1.5",
}

# The dates that name each DMN version's namespace: files in the wild spell the rest of it
# in several ways (http or https, `dmn.xsd` or `dmn11.xsd` as older Camunda 7 modelers
# wrote it, with or without the trailing slash).
_VERSION_DATES = {"20151101": "1.1", "20180521": "1.2", "20191111": "1.3", "20211108": "1.4"}
_VERSION_DATES["20230324"] = "1.5"
_OMG_DMN = re.compile(r"^https?://www\.omg\.org/spec/DMN/(\d{8})/(?:MODEL/?|dmn1?1?\.xsd)$")


def dmn_version(namespace: str | None) -> str | None:
    """The DMN version a root namespace names, or None when it names none."""
    if namespace is None:
        return None
    known = DMN_NAMESPACES.get(namespace)
    if known is not None:
        return known
    matched = _OMG_DMN.match(namespace)
    return _VERSION_DATES.get(matched.group(1)) if matched else None


_UNSAFE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)

_Element = etree._Element


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_file(path: str | Path) -> m.Definitions:
    """Parse one .dmn file."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise DmnError(f"cannot read the model: {e.strerror}", file=str(p)) from None
    return parse_bytes(data, file=str(p))


def parse_bytes(data: bytes | str, *, file: str | None = None) -> m.Definitions:
    """Parse a DMN document given as bytes or text."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    unsafe = _UNSAFE.search(raw)
    if unsafe is not None:
        line = raw.count(b"\n", 0, unsafe.start()) + 1
        raise DmnError(
            "the document has a DOCTYPE or entity declaration; DMN models must not use "
            "DTDs or entities (refused for safety)",
            file=file,
            line=line,
        )
    if isinstance(data, str):
        # lxml refuses str input with an encoding declaration; feed UTF-8 bytes instead.
        raw = re.sub(rb"^\s*<\?xml[^>]*\?>", b"", raw, count=1)
    try:
        root = etree.fromstring(raw, _xml_parser())
    except etree.XMLSyntaxError as e:
        raise DmnError(f"malformed XML: {e.msg}", file=file, line=e.lineno) from None
    docinfo: Any = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise DmnError("the document has a DOCTYPE; refused for safety", file=file, line=1)
    return _Reader(file).definitions(root)


class _Reader:
    """Reads one document; knows its DMN namespace and file name for error messages."""

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.ns = ""
        #: The document's default expression language (lower case; "" for FEEL).
        self.language = ""

    # -- helpers

    def error(self, message: str, el: _Element) -> DmnError:
        return DmnError(message, file=self.file, line=_line(el) or None, element_id=el.get("id"))

    def local(self, el: _Element) -> str | None:
        """The local name of a DMN element, None for extension elements."""
        if not isinstance(el.tag, str):
            return None
        q = etree.QName(el)
        return q.localname if q.namespace == self.ns else None

    def children(self, el: _Element, name: str) -> list[_Element]:
        return [c for c in el if self.local(c) == name]

    def child(self, el: _Element, name: str) -> _Element | None:
        for c in el:
            if self.local(c) == name:
                return c
        return None

    def text_of(self, el: _Element | None, name: str = "text") -> str | None:
        """The text of the `<text>` (or other) child element."""
        if el is None:
            return None
        t = self.child(el, name)
        if t is None:
            return None
        return t.text or ""

    def required(self, el: _Element, attr: str) -> str:
        v = el.get(attr)
        if v is None or not v.strip():
            raise self.error(f"<{self.local(el)}> needs a {attr!r} attribute", el)
        return v

    def href(self, el: _Element) -> m.Href:
        ref = self.required(el, "href").strip()
        ns, _, ident = ref.rpartition("#")
        return m.Href(ns, ident)

    def hrefs(self, el: _Element, wrapper: str | None, name: str) -> tuple[m.Href, ...]:
        out: list[m.Href] = []
        holders = self.children(el, wrapper) if wrapper else [el]
        for h in holders:
            out.extend(self.href(r) for r in self.children(h, name))
        return tuple(out)

    def information_item(self, el: _Element | None, default_name: str = "") -> m.InformationItem:
        if el is None:
            return m.InformationItem(default_name)
        return m.InformationItem(
            el.get("name") or default_name, _type_ref(el.get("typeRef")), el.get("id") or ""
        )

    # -- definitions

    def definitions(self, root: _Element) -> m.Definitions:
        q = etree.QName(root)
        version = dmn_version(q.namespace)
        if version is None or q.localname != "definitions":
            raise DmnError(
                f"not a DMN model: the root element is {{{q.namespace}}}{q.localname}; "
                f"expected <definitions> in one of the DMN 1.1-1.5 namespaces",
                file=self.file,
                line=_line(root),
            )
        self.ns = q.namespace
        decisions: list[m.Decision] = []
        inputs: list[m.InputData] = []
        bkms: list[m.BusinessKnowledgeModel] = []
        services: list[m.DecisionService] = []
        items: list[m.ItemDefinition] = []
        imports: list[m.Import] = []
        self.language = (root.get("expressionLanguage") or "").strip().lower()
        for el in root:
            tag = self.local(el)
            if tag == "decision":
                decisions.append(self.decision(el))
            elif tag == "inputData":
                name = self.required(el, "name")
                inputs.append(
                    m.InputData(
                        el.get("id") or name,
                        name,
                        self.information_item(self.child(el, "variable"), name),
                        _line(el),
                    )
                )
            elif tag == "businessKnowledgeModel":
                bkms.append(self.bkm(el))
            elif tag == "decisionService":
                services.append(self.service(el))
            elif tag == "itemDefinition":
                items.append(self.item_definition(el))
            elif tag == "import":
                imports.append(
                    m.Import(
                        self.required(el, "namespace"),
                        el.get("name") or "",
                        el.get("importType") or "",
                        el.get("locationURI"),
                        _line(el),
                    )
                )
        return m.Definitions(
            id=root.get("id") or "",
            name=root.get("name") or "",
            namespace=root.get("namespace") or "",
            dmn_version=version,
            expression_language=root.get("expressionLanguage"),
            type_language=root.get("typeLanguage"),
            imports=tuple(imports),
            item_definitions=tuple(items),
            input_data=tuple(inputs),
            decisions=tuple(decisions),
            knowledge_models=tuple(bkms),
            decision_services=tuple(services),
            file=self.file,
            prefixes=tuple((k or "", v) for k, v in root.nsmap.items()),
        )

    def item_definition(self, el: _Element) -> m.ItemDefinition:
        fi = self.child(el, "functionItem")
        function_item = None
        if fi is not None:
            function_item = m.FunctionItem(
                tuple(self.information_item(p) for p in self.children(fi, "parameters")),
                _type_ref(fi.get("outputTypeRef")),
            )
        return m.ItemDefinition(
            name=self.required(el, "name"),
            id=el.get("id") or "",
            label=el.get("label"),
            type_ref=_type_ref(_strip(self.text_of(el, "typeRef"))),
            components=tuple(self.item_definition(c) for c in self.children(el, "itemComponent")),
            is_collection=el.get("isCollection") == "true",
            allowed_values=self.text_of(self.child(el, "allowedValues")),
            type_constraint=self.text_of(self.child(el, "typeConstraint")),
            function_item=function_item,
            type_language=el.get("typeLanguage"),
            line=_line(el),
        )

    def decision(self, el: _Element) -> m.Decision:
        name = self.required(el, "name")
        return m.Decision(
            id=el.get("id") or name,
            name=name,
            variable=self.information_item(self.child(el, "variable"), name),
            required_decisions=self.hrefs(el, "informationRequirement", "requiredDecision"),
            required_inputs=self.hrefs(el, "informationRequirement", "requiredInput"),
            required_knowledge=self.hrefs(el, "knowledgeRequirement", "requiredKnowledge"),
            expression=self.expression_in(el),
            label=el.get("label"),
            question=_strip(self.text_of(el, "question")),
            line=_line(el),
        )

    def bkm(self, el: _Element) -> m.BusinessKnowledgeModel:
        name = self.required(el, "name")
        logic_el = self.child(el, "encapsulatedLogic")
        logic = None if logic_el is None else self.function_definition(logic_el)
        return m.BusinessKnowledgeModel(
            id=el.get("id") or name,
            name=name,
            variable=self.information_item(self.child(el, "variable"), name),
            logic=logic,
            required_knowledge=self.hrefs(el, "knowledgeRequirement", "requiredKnowledge"),
            line=_line(el),
        )

    def service(self, el: _Element) -> m.DecisionService:
        name = self.required(el, "name")
        return m.DecisionService(
            id=el.get("id") or name,
            name=name,
            variable=self.information_item(self.child(el, "variable"), name),
            output_decisions=self.hrefs(el, None, "outputDecision"),
            encapsulated_decisions=self.hrefs(el, None, "encapsulatedDecision"),
            input_decisions=self.hrefs(el, None, "inputDecision"),
            input_data=self.hrefs(el, None, "inputData"),
            line=_line(el),
        )

    # -- boxed expressions

    def expression_in(self, el: _Element) -> m.Expression | None:
        """The (single) boxed expression among the children of `el`, if any."""
        for c in el:
            tag = self.local(c)
            if tag in _EXPRESSIONS:
                return self.expression(c)
        return None

    def expression_at(self, el: _Element, wrapper: str) -> m.Expression | None:
        """The boxed expression inside the `<wrapper>` child (`<if>`, `<in>`, ...)."""
        w = self.child(el, wrapper)
        return None if w is None else self.expression_in(w)

    def expression(self, el: _Element) -> m.Expression:
        tag = self.local(el) or ""
        reader = _EXPRESSIONS.get(tag)
        if reader is None:
            return m.UnsupportedExpression(
                el.get("id") or "", _type_ref(el.get("typeRef")), _line(el), tag
            )
        return reader(self, el)

    def _base(self, el: _Element) -> tuple[str, str | None, int]:
        return el.get("id") or "", _type_ref(el.get("typeRef")), _line(el)

    def literal(self, el: _Element) -> m.LiteralExpression:
        return m.LiteralExpression(
            *self._base(el),
            text=self.text_of(el) or "",
            expression_language=el.get("expressionLanguage"),
        )

    def camunda7_literal(self, el: _Element, what: str) -> m.LiteralExpression:
        """A literal expression that Camunda 7 may have written in JUEL: the language says
        so (on the element or the document), or the text is `${...}`. It is translated to
        FEEL, or refused naming the element when it uses more than simple JUEL."""
        literal = self.literal(el)
        language = (literal.expression_language or self.language).strip().lower()
        text = literal.text.strip()
        if "juel" not in language and not is_juel(text):
            return literal
        try:
            feel_text = translate(text if is_juel(text) else "${" + text + "}")
        except JuelError as exc:
            raise self.error(
                f"the {what} {text!r} is JUEL (Camunda 7) that cannot be translated to FEEL "
                f"({exc}); rewrite it in FEEL",
                el,
            ) from None
        return replace(literal, text=feel_text, expression_language=None)

    def cell(self, el: _Element | None) -> m.Cell | None:
        if el is None:
            return None
        return m.Cell(self.text_of(el) or "", el.get("id") or "", _line(el))

    def decision_table(self, el: _Element) -> m.DecisionTable:
        inputs: list[m.InputClause] = []
        for i in self.children(el, "input"):
            expr_el = self.child(i, "inputExpression")
            if expr_el is None:
                raise self.error("a decision table <input> needs an <inputExpression>", i)
            inputs.append(
                m.InputClause(
                    i.get("id") or "",
                    i.get("label"),
                    self.camunda7_literal(expr_el, "input expression"),
                    self.cell(self.child(i, "inputValues")),
                )
            )
        outputs = [
            m.OutputClause(
                o.get("id") or "",
                o.get("name"),
                o.get("label"),
                _type_ref(o.get("typeRef")),
                self.cell(self.child(o, "outputValues")),
                self.cell(self.child(o, "defaultOutputEntry")),
            )
            for o in self.children(el, "output")
        ]
        if not outputs:
            raise self.error("a decision table needs at least one <output>", el)
        rules: list[m.Rule] = []
        for n, r in enumerate(self.children(el, "rule"), 1):
            ins = tuple(c for c in map(self.cell, self.children(r, "inputEntry")) if c)
            outs = tuple(c for c in map(self.cell, self.children(r, "outputEntry")) if c)
            if len(ins) != len(inputs) or len(outs) != len(outputs):
                raise self.error(
                    f"rule {n} has {len(ins)} input and {len(outs)} output entries; the "
                    f"table has {len(inputs)} inputs and {len(outputs)} outputs",
                    r,
                )
            notes = tuple(self.text_of(a) or "" for a in self.children(r, "annotationEntry"))
            rules.append(m.Rule(r.get("id") or "", ins, outs, notes, _line(r)))
        hit = (el.get("hitPolicy") or "UNIQUE").strip()
        try:
            policy = m.HitPolicy(hit)
        except ValueError:
            raise self.error(
                f"unknown hit policy {hit!r}; use one of "
                + ", ".join(p.value for p in m.HitPolicy),
                el,
            ) from None
        agg_text = el.get("aggregation")
        aggregation = None
        if agg_text:
            try:
                aggregation = m.Aggregation(agg_text.strip())
            except ValueError:
                raise self.error(
                    f"unknown aggregation {agg_text!r}; use SUM, COUNT, MIN or MAX", el
                ) from None
        return m.DecisionTable(
            *self._base(el),
            inputs=tuple(inputs),
            outputs=tuple(outputs),
            rules=tuple(rules),
            hit_policy=policy,
            aggregation=aggregation,
            annotations=tuple(a.get("name") or "" for a in self.children(el, "annotation")),
            output_label=el.get("outputLabel"),
            preferred_orientation=el.get("preferredOrientation"),
        )

    def context(self, el: _Element) -> m.Context:
        entries = tuple(
            m.ContextEntry(
                None if (v := self.child(e, "variable")) is None else self.information_item(v),
                self.expression_in(e),
            )
            for e in self.children(el, "contextEntry")
        )
        return m.Context(*self._base(el), entries=entries)

    def relation(self, el: _Element) -> m.Relation:
        columns = tuple(self.information_item(c) for c in self.children(el, "column"))
        rows: list[tuple[m.Expression | None, ...]] = []
        for r in self.children(el, "row"):
            cells = tuple(self.expression(c) for c in r if self.local(c) in _EXPRESSIONS)
            if len(cells) != len(columns):
                raise self.error(
                    f"relation row has {len(cells)} cells for {len(columns)} columns", r
                )
            rows.append(cells)
        return m.Relation(*self._base(el), columns=columns, rows=tuple(rows))

    def list_expression(self, el: _Element) -> m.ListExpression:
        items = tuple(self.expression(c) for c in el if self.local(c) in _EXPRESSIONS)
        return m.ListExpression(*self._base(el), items=items)

    def invocation(self, el: _Element) -> m.Invocation:
        bindings = tuple(
            m.Binding(self.information_item(self.child(b, "parameter")), self.expression_in(b))
            for b in self.children(el, "binding")
        )
        return m.Invocation(*self._base(el), called=self.expression_in(el), bindings=bindings)

    def conditional(self, el: _Element) -> m.Conditional:
        return m.Conditional(
            *self._base(el),
            condition=self.expression_at(el, "if"),
            then=self.expression_at(el, "then"),
            otherwise=self.expression_at(el, "else"),
        )

    def iteration(self, el: _Element) -> m.Iteration:
        kind = m.IteratorKind(self.local(el))
        body = "return" if kind is m.IteratorKind.FOR else "satisfies"
        return m.Iteration(
            *self._base(el),
            kind=kind,
            variable=self.required(el, "iteratorVariable"),
            source=self.expression_at(el, "in"),
            body=self.expression_at(el, body),
        )

    def filter(self, el: _Element) -> m.Filter:
        return m.Filter(
            *self._base(el),
            source=self.expression_at(el, "in"),
            match=self.expression_at(el, "match"),
        )

    def function_definition(self, el: _Element) -> m.FunctionDefinition:
        kind_text = el.get("kind") or "FEEL"
        try:
            kind = m.FunctionKind(kind_text)
        except ValueError:
            raise self.error(
                f"unknown function kind {kind_text!r}; use FEEL, Java or PMML", el
            ) from None
        return m.FunctionDefinition(
            *self._base(el),
            parameters=tuple(
                self.information_item(p) for p in self.children(el, "formalParameter")
            ),
            body=self.expression_in(el),
            kind=kind,
        )


_EXPRESSIONS: dict[str, Callable[[_Reader, _Element], m.Expression]] = {
    "literalExpression": lambda reader, el: reader.camunda7_literal(el, "literal expression"),
    "decisionTable": _Reader.decision_table,
    "context": _Reader.context,
    "relation": _Reader.relation,
    "list": _Reader.list_expression,
    "invocation": _Reader.invocation,
    "conditional": _Reader.conditional,
    "for": _Reader.iteration,
    "some": _Reader.iteration,
    "every": _Reader.iteration,
    "filter": _Reader.filter,
    "functionDefinition": _Reader.function_definition,
}


def _line(el: _Element) -> int:
    line: Any = el.sourceline
    return line if isinstance(line, int) else 0


def _strip(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    return text or None


def _type_ref(text: str | None) -> str | None:
    """A typeRef without an XML prefix of the FEEL or DMN namespace (`feel:number`)."""
    text = _strip(text)
    if text is None:
        return None
    prefix, sep, rest = text.partition(":")
    if sep and prefix and " " not in prefix and "<" not in prefix and rest and rest[0] != " ":
        return rest
    return text
