"""Checks of a DMN model before it is deployed: every FEEL text compiled (input
expressions, input entries as unary tests, output entries, allowed values, literal and
boxed expressions), the requirement graph (cycles among required decisions, requirements
that point to nothing), and the names each decision reads from its caller.

Unlike loading (which stops at the first problem), the checks report every problem at once,
each naming the file, the decision (or knowledge model), the rule and column of a table and
the column within the expression.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from regista import feel
from regista.feel.lexer import NameTable, special_names
from regista.feel.names import free_names
from regista.feel.parser import parse
from regista.model import dmn as m
from regista.model.bpmn import Problem

__all__ = ["check", "reads"]

_FEEL_LANGUAGES = ("feel", "FEEL")


@dataclass(frozen=True, slots=True)
class _Text:
    """One FEEL text of the model, where it is, and whether it is unary tests."""

    what: str
    text: str
    tests: bool
    line: int


def check(defs: m.Definitions) -> list[Problem]:
    """Every problem of the DMN model `defs` that can be found without evaluating it."""
    names = _model_names(defs)
    problems: list[Problem] = []
    owners: list[tuple[str, str, int, m.Expression | None]] = [
        *((d.id, f"decision '{d.name}'", d.line, d.expression) for d in defs.decisions),
        *(
            (b.id, f"business knowledge model '{b.name}'", b.line, b.logic)
            for b in defs.knowledge_models
        ),
    ]
    for owner_id, owner, line, expression in owners:
        for text in _texts(expression, line):
            message = _feel_error(text, names)
            if message is not None:
                problems.append(
                    Problem(
                        severity="error",
                        message=f"{owner}, {text.what}: {text.text!r} is not valid FEEL: {message}",
                        element_id=owner_id,
                        line=text.line or line or None,
                        file=defs.file,
                    )
                )
    problems.extend(_requirement_problems(defs))
    problems.extend(_cycle_problems(defs))
    return problems


def reads(defs: m.Definitions) -> dict[str, tuple[str, ...]]:
    """For each decision (by name), the names it needs from the caller: the input data it
    requires (directly or through the decisions it requires) and any other name its
    expressions mention that the model itself does not define."""
    names = _model_names(defs)
    decisions = {d.id: d for d in defs.decisions}
    inputs = {i.id: i.variable.name or i.name for i in defs.input_data}
    defined = {
        *(d.variable.name or d.name for d in defs.decisions),
        *(b.variable.name or b.name for b in defs.knowledge_models),
        *(s.variable.name or s.name for s in defs.decision_services),
        *(i.name for i in defs.imports),
    }
    own: dict[str, set[str]] = {}
    for d in defs.decisions:
        found: set[str] = set()
        bound = _bound_names(d.expression)
        for text in _texts(d.expression, d.line):
            found |= _reads_of(text, names, bound)
        found -= defined
        found |= {inputs[h.element_id] for h in d.required_inputs if h.element_id in inputs}
        own[d.id] = found
    out: dict[str, tuple[str, ...]] = {}
    for d in defs.decisions:
        seen: set[str] = set()
        total: set[str] = set()
        stack = [d.id]
        while stack:
            current = stack.pop()
            if current in seen or current not in decisions:
                continue
            seen.add(current)
            total |= own[current]
            stack.extend(h.element_id for h in decisions[current].required_decisions)
        out[d.name] = tuple(sorted(total))
    return out


# -- FEEL texts -----------------------------------------------------------------------------


def _texts(expr: m.Expression | None, line: int, where: str = "") -> Iterator[_Text]:
    """Every FEEL text inside a boxed expression, with a label saying where it is."""
    if expr is None:
        return
    at = expr.line or line
    label = where or _label(expr)
    if isinstance(expr, m.LiteralExpression):
        language = expr.expression_language
        if (not language or any(x in language for x in _FEEL_LANGUAGES)) and expr.text.strip():
            yield _Text(label, expr.text, False, at)
        return
    if isinstance(expr, m.DecisionTable):
        yield from _table_texts(expr, at)
        return
    if isinstance(expr, m.FunctionDefinition) and expr.kind is not m.FunctionKind.FEEL:
        return
    if isinstance(expr, m.UnsupportedExpression):
        return
    for f in dataclasses.fields(expr):
        value = getattr(expr, f.name)
        for index, item in enumerate(value if isinstance(value, tuple) else (value,)):
            yield from _nested(item, at, f"{label}, {f.name.replace('_', ' ')} {index + 1}")


def _nested(item: object, line: int, where: str) -> Iterator[_Text]:
    if isinstance(item, m.Expression):
        yield from _texts(item, line, where)
    elif isinstance(item, m.ContextEntry):
        name = item.variable.name if item.variable is not None else "result"
        yield from _texts(item.value, line, f"context entry '{name}'")
    elif isinstance(item, m.Binding):
        yield from _texts(item.value, line, f"binding of '{item.parameter.name}'")
    elif isinstance(item, tuple):
        for index, inner in enumerate(item):
            yield from _nested(inner, line, f"{where}, cell {index + 1}")


def _table_texts(table: m.DecisionTable, line: int) -> Iterator[_Text]:
    inputs = [_column_name(c.label, c.expression.text) for c in table.inputs]
    outputs = [_column_name(c.label, c.name) for c in table.outputs]
    for j, clause in enumerate(table.inputs):
        column = f"input column {j + 1} ({inputs[j]})"
        if clause.expression.text.strip():
            yield _Text(f"{column} input expression", clause.expression.text, False, line)
        if clause.input_values is not None and clause.input_values.text.strip():
            yield _Text(
                f"{column} allowed values",
                clause.input_values.text,
                True,
                clause.input_values.line or line,
            )
    for k, out in enumerate(table.outputs):
        column = f"output column {k + 1} ({outputs[k]})"
        if out.output_values is not None and out.output_values.text.strip():
            yield _Text(
                f"{column} allowed values", out.output_values.text, True, out.output_values.line
            )
        if out.default_output_entry is not None and out.default_output_entry.text.strip():
            cell = out.default_output_entry
            yield _Text(f"{column} default", cell.text, False, cell.line or line)
    for i, rule in enumerate(table.rules):
        rule_name = f"rule {i + 1}" + (f" ({rule.id})" if rule.id else "")
        for j, cell in enumerate(rule.input_entries):
            if cell.text.strip():
                where = (
                    f"{rule_name}, input column {j + 1} ({inputs[j] if j < len(inputs) else '?'})"
                )
                yield _Text(where, cell.text, True, cell.line or rule.line or line)
        for k, cell in enumerate(rule.output_entries):
            if cell.text.strip():
                name = outputs[k] if k < len(outputs) else "?"
                yield _Text(
                    f"{rule_name}, output column {k + 1} ({name})",
                    cell.text,
                    False,
                    cell.line or rule.line or line,
                )


def _column_name(label: str | None, text: str | None) -> str:
    return repr(label or text or "")


def _label(expr: m.Expression) -> str:
    kind = {
        m.LiteralExpression: "literal expression",
        m.Context: "context",
        m.Invocation: "invocation",
        m.Relation: "relation",
        m.ListExpression: "list",
        m.Conditional: "conditional",
        m.Iteration: "iteration",
        m.Filter: "filter",
        m.FunctionDefinition: "function definition",
    }.get(type(expr), type(expr).__name__)
    return f"{kind} {expr.id}" if expr.id else kind


def _feel_error(text: _Text, names: frozenset[str]) -> str | None:
    try:
        if text.tests:
            feel.compile_unary_tests(text.text, names)
        else:
            feel.compile(text.text, names)
    except feel.FeelSyntaxError as exc:
        where = f"column {exc.column}" if exc.line == 1 else f"line {exc.line}, column {exc.column}"
        return f"{exc.message} at {where}; correct the FEEL there"
    return None


def _reads_of(text: _Text, names: frozenset[str], bound: set[str]) -> set[str]:
    table = NameTable(special_names(n for n in names if n in text.text))
    try:
        parsed = parse(text.text, table, "unary_tests" if text.tests else "start")
    except feel.FeelSyntaxError:
        return set()
    nodes = parsed if isinstance(parsed, tuple) else () if parsed is None else (parsed,)
    found: set[str] = set()
    for node in nodes:
        found |= free_names(node, bound)
    return found


def _bound_names(expr: m.Expression | None) -> set[str]:
    """Names a boxed expression defines for its own parts: context entries, function
    parameters, iteration variables, relation columns."""
    out: set[str] = set()
    stack: list[object] = [expr]
    while stack:
        item = stack.pop()
        if isinstance(item, m.ContextEntry) and item.variable is not None:
            out.add(item.variable.name)
        if isinstance(item, m.FunctionDefinition):
            out |= {p.name for p in item.parameters}
        if isinstance(item, m.Iteration):
            out.add(item.variable)
        if isinstance(item, tuple):
            stack.extend(item)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item))
    return out


def _model_names(defs: m.Definitions) -> frozenset[str]:
    """Every name the model defines, so names with spaces or operators lex as one name."""
    out: set[str] = set()
    stack: list[object] = [defs]
    while stack:
        item = stack.pop()
        if isinstance(item, m.InformationItem | m.InputData | m.Decision):
            out.add(item.name)
        if isinstance(item, m.BusinessKnowledgeModel | m.DecisionService | m.Import):
            out.add(item.name)
        if isinstance(item, m.ItemDefinition):
            out.add(item.name)
        if isinstance(item, tuple):
            stack.extend(item)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item))
    return frozenset(n for n in out if n)


# -- the requirement graph -------------------------------------------------------------------


def _local(defs: m.Definitions, href: m.Href) -> bool:
    return href.namespace in ("", defs.namespace)


def _requirement_problems(defs: m.Definitions) -> Iterator[Problem]:
    decisions = {d.id for d in defs.decisions}
    inputs = {i.id for i in defs.input_data}
    knowledge = {b.id for b in defs.knowledge_models} | {s.id for s in defs.decision_services}
    imported = {i.namespace for i in defs.imports}
    owners: Iterable[tuple[str, str, int, tuple[tuple[str, tuple[m.Href, ...], set[str]], ...]]] = [
        *(
            (
                d.id,
                f"decision '{d.name}'",
                d.line,
                (
                    ("decision", d.required_decisions, decisions),
                    ("input data", d.required_inputs, inputs),
                    ("business knowledge model", d.required_knowledge, knowledge),
                ),
            )
            for d in defs.decisions
        ),
        *(
            (
                b.id,
                f"business knowledge model '{b.name}'",
                b.line,
                (("business knowledge model", b.required_knowledge, knowledge),),
            )
            for b in defs.knowledge_models
        ),
    ]
    for owner_id, owner, line, requirements in owners:
        for kind, hrefs, known in requirements:
            for href in hrefs:
                if _local(defs, href):
                    if href.element_id in known:
                        continue
                    message = (
                        f"{owner} requires the {kind} '{href.element_id}', which this model "
                        f"does not define; correct the href '#{href.element_id}' or add the {kind}"
                    )
                elif href.namespace in imported:
                    continue  # checked when the models are loaded together
                else:
                    message = (
                        f"{owner} requires '{href.element_id}' from the namespace "
                        f"'{href.namespace}', which the model does not import; add an "
                        "<import> of that model or correct the href"
                    )
                yield Problem(
                    severity="error",
                    message=message,
                    element_id=owner_id,
                    line=line or None,
                    file=defs.file,
                )


def _cycle_problems(defs: m.Definitions) -> Iterator[Problem]:
    """One problem per cycle of decisions that (indirectly) require themselves."""
    by_id = {d.id: d for d in defs.decisions}
    state: dict[str, int] = {}  # 1 on the path being explored, 2 done
    cycles: list[list[str]] = []

    def visit(decision_id: str, path: list[str]) -> None:
        state[decision_id] = 1
        for href in by_id[decision_id].required_decisions:
            target = href.element_id
            if not _local(defs, href) or target not in by_id:
                continue
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[decision_id] = 2

    for decision in defs.decisions:
        if decision.id not in state:
            visit(decision.id, [decision.id])
    for cycle in cycles:
        first = by_id[cycle[0]]
        yield Problem(
            severity="error",
            message=(
                "the decisions require each other in a cycle: "
                + " -> ".join(f"'{by_id[i].name}' ({i})" for i in cycle)
                + "; remove one of these requiredDecision links"
            ),
            element_id=first.id,
            line=first.line or None,
            file=defs.file,
        )
