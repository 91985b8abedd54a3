"""Decision tables: every hit policy, aggregations, input/output values and defaults.

All cells are compiled when the model is loaded. Matching works column by column on
bit masks of rules: identical cells of a column are tested once, literal cells are found
by a dictionary lookup, and a column only tests the cells of rules still in the running,
so a 100-rule table costs far fewer than 100 × inputs tests per evaluation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from regista import feel
from regista.dmn.env import Env, Eval
from regista.dmn.results import Evaluated, RuleMatch, Run
from regista.dmn.typing import check
from regista.feel import types as ft
from regista.feel.scope import Scope
from regista.feel.values import DECIMAL, compare, equal, kind, number, to_string
from regista.model import dmn as m

_STRING = re.compile(r'\s*"([^"\\]*)"\s*')
_NUMBER = re.compile(r"\s*(-?(?:\d+(?:\.\d*)?|\.\d+))\s*")
_BOOLEAN = {"true": True, "false": False}
_SCALARS = (str, Decimal, bool)
_NUM = r"(-?(?:\d+(?:\.\d*)?|\.\d+))"
_COMPARISON = re.compile(r"\s*(<=|>=|<|>)\s*" + _NUM + r"\s*")
_INTERVAL = re.compile(r"\s*([\[(\]])\s*" + _NUM + r"\s*\.\.\s*" + _NUM + r"\s*([\])\[])\s*")

Fast = Callable[[Decimal], bool]


def _fast_test(text: str) -> Fast | None:
    """A direct Decimal test for the commonest numeric cells (`< 18`, `[18..65)`); any
    other input value still goes through the FEEL unary tests."""
    c = _COMPARISON.fullmatch(text)
    if c is not None:
        op, bound = c.group(1), number(c.group(2))
        if op == "<":
            return lambda x: x < bound
        if op == "<=":
            return lambda x: x <= bound
        if op == ">":
            return lambda x: x > bound
        return lambda x: x >= bound
    r = _INTERVAL.fullmatch(text)
    if r is not None:
        lo, hi = number(r.group(2)), number(r.group(3))
        lo_in, hi_in = r.group(1) == "[", r.group(4) == "]"
        return lambda x: (lo <= x if lo_in else lo < x) and (x <= hi if hi_in else x < hi)
    return None


def _literal(text: str) -> tuple[bool, Any]:
    """(True, value) when the cell is a plain string, number or boolean literal."""
    s = text.strip()
    if s in _BOOLEAN:
        return True, _BOOLEAN[s]
    if _STRING.fullmatch(text):
        return True, s[1:-1]
    if _NUMBER.fullmatch(text):
        return True, number(s)
    return False, None


def split_tests(text: str) -> list[str]:
    """Split unary tests at the top-level commas: `"a", [1..2], f(x, y)` -> 3 parts."""
    parts: list[str] = []
    depth = 0
    start = 0
    in_string = False
    escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


class _Column:
    """The input entries of one column, grouped for matching."""

    __slots__ = ("always", "groups", "literals")

    def __init__(self) -> None:
        self.always = 0  # rules whose entry is `-`
        self.literals: dict[tuple[type, Any], int] = {}
        self.groups: list[tuple[feel.UnaryTests, int, Fast | None]] = []

    def matching(self, x: Any, candidates: int, s: Scope) -> int:
        """The candidate rules whose entry in this column `x` satisfies."""
        hit = self.always & candidates
        if self.literals and type(x) in _SCALARS:
            hit |= self.literals.get((type(x), x), 0) & candidates
        number = type(x) is Decimal
        for tests, mask, fast in self.groups:
            if mask & candidates:
                if fast is not None and number:
                    if fast(x):
                        hit |= mask & candidates
                elif tests.test(x, s) is True:
                    hit |= mask & candidates
        return hit


class _Output:
    """One output column: its name, type, allowed values (in priority order), default."""

    __slots__ = ("default", "label", "name", "priorities", "type")

    def __init__(
        self,
        name: str,
        label: str,
        type_: ft.FeelType | None,
        priorities: list[feel.UnaryTests],
        default: feel.Expression | None,
    ) -> None:
        self.name = name
        self.label = label
        self.type = type_
        self.priorities = priorities
        self.default = default

    def priority(self, value: Any, s: Scope) -> int:
        for i, t in enumerate(self.priorities):
            if t.test(value, s) is True:
                return i
        return len(self.priorities)

    def checked(self, value: Any, s: Scope) -> Any:
        if self.type is not None:
            value = check(value, self.type, self.label, s.warnings)
        if (
            value is not None
            and self.priorities
            and self.priority(value, s) == len(self.priorities)
        ):
            s.warn(f"{self.label}: {to_string(value)} is not one of the output values; using null")
            return None
        return value


class CompiledTable:
    """A decision table ready to evaluate: call it with a scope and the run."""

    def __init__(self, table: m.DecisionTable, env: Env) -> None:
        self.table = table
        self.env = env
        self.owner = env.owner
        self.policy = table.hit_policy
        self.aggregation = table.aggregation
        self.rule_ids = tuple(r.id for r in table.rules)
        self.input_names = tuple((c.id, c.label or c.expression.text.strip()) for c in table.inputs)
        self.all = (1 << len(table.rules)) - 1
        self.inputs: list[feel.Expression] = []
        self.input_values: list[tuple[feel.UnaryTests, str] | None] = []
        self.columns: list[_Column] = []
        for k, clause in enumerate(table.inputs, 1):
            where = f"input {k}"
            expr = clause.expression
            self.inputs.append(
                env.expression(expr.text, f"{where} expression", expr.line, clause.id)
            )
            iv = clause.input_values
            self.input_values.append(
                None
                if iv is None or not iv.text.strip()
                else (env.tests(iv.text, f"{where} input values", iv.line, clause.id), iv.text)
            )
            self.columns.append(self._column(k - 1))
        self.outputs = [self._output(k, o) for k, o in enumerate(table.outputs, 1)]
        self.cells: list[list[feel.Expression]] = [
            [
                env.expression(
                    c.text if c.text.strip() else "null",
                    f"rule {n} ({rule.id or 'no id'}), output entry {k}",
                    c.line or rule.line,
                    c.id or rule.id,
                )
                for k, c in enumerate(rule.output_entries, 1)
            ]
            for n, rule in enumerate(table.rules, 1)
        ]
        self.single = len(self.outputs) == 1
        self.has_default = any(o.default is not None for o in self.outputs)
        if self.aggregation is not None and not self.single:
            raise env.error(
                "decision table",
                f"the aggregation {self.aggregation.value} needs a single output column, "
                f"the table has {len(self.outputs)}",
                table.line,
                table.id,
            )

    def _column(self, k: int) -> _Column:
        col = _Column()
        groups: dict[str, int] = {}
        for n, rule in enumerate(self.table.rules):
            cell = rule.input_entries[k]
            text = cell.text.strip()
            bit = 1 << n
            if text in ("", "-"):
                col.always |= bit
                continue
            is_literal, value = _literal(text)
            if is_literal:
                key = (type(value), value)
                col.literals[key] = col.literals.get(key, 0) | bit
                continue
            groups[text] = groups.get(text, 0) | bit
            if groups[text] == bit:  # first time: compile (and report errors) once
                self.env.tests(
                    text,
                    f"rule {n + 1} ({rule.id or 'no id'}), input entry {k + 1}",
                    cell.line or rule.line,
                    cell.id or rule.id,
                )
        for text, mask in groups.items():
            tests = feel.compile_unary_tests(text, self.env.names)
            if tests.matches_anything:
                col.always |= mask
            else:
                col.groups.append((tests, mask, _fast_test(text)))
        return col

    def _output(self, k: int, o: m.OutputClause) -> _Output:
        env = self.env
        name = (
            o.name or o.label or (self.table.output_label if len(self.table.outputs) == 1 else None)
        )
        where = f"output {k}" + (f" ({name})" if name else "")
        priorities: list[feel.UnaryTests] = []
        if o.output_values is not None and o.output_values.text.strip():
            ov = o.output_values
            env.tests(ov.text, f"{where} output values", ov.line, o.id)
            priorities = [
                env.tests(p, f"{where} output values", ov.line, o.id) for p in split_tests(ov.text)
            ]
        default = None
        if o.default_output_entry is not None and o.default_output_entry.text.strip():
            d = o.default_output_entry
            default = env.expression(d.text, f"{where} default output entry", d.line, o.id)
        return _Output(
            name or f"output {k}",
            f"{self.owner}, decision table {where}",
            env.type_of(o.type_ref, self.table.line, o.id),
            priorities,
            default,
        )

    # -- evaluation

    def __call__(self, s: Scope, r: Run) -> Any:
        candidates = self.all
        given: list[Any] = []
        for k, (inp, col) in enumerate(zip(self.inputs, self.columns, strict=True)):
            x = inp.evaluate(s)
            given.append(x)
            allowed = self.input_values[k]
            if allowed is not None and allowed[0].test(x, s) is not True:
                s.warn(
                    f"{self.owner}, decision table input {k + 1} ({inp.source.strip()}): "
                    f"{to_string(x)} is not one of the input values {allowed[1].strip()}; "
                    "the table gives null"
                )
                return None
            if candidates:
                candidates = col.matching(x, candidates, s)
        matched: list[int] = []
        while candidates:
            low = candidates & -candidates
            matched.append(low.bit_length() - 1)
            candidates ^= low
        return self._hit(matched, s, r, given)

    def _row(self, i: int, s: Scope) -> Any:
        cells = self.cells[i]
        if self.single:
            return self.outputs[0].checked(cells[0].evaluate(s), s)
        return {
            o.name: o.checked(c.evaluate(s), s) for o, c in zip(self.outputs, cells, strict=True)
        }

    def _priority(self, row: Any, s: Scope) -> tuple[int, ...]:
        if self.single:
            return (self.outputs[0].priority(row, s),)
        return tuple(o.priority(row.get(o.name), s) for o in self.outputs)

    def _record(
        self, r: Run, rules: Sequence[int], given: Sequence[Any], rows: Sequence[Any] = ()
    ) -> None:
        """Note the rules that produced the result, with the inputs and each rule's row."""
        clauses = self.table.outputs
        outputs = tuple(
            (Evaluated(clauses[0].id, self.outputs[0].name, row),)
            if self.single
            else tuple(
                Evaluated(c.id, o.name, row.get(o.name) if isinstance(row, dict) else None)
                for c, o in zip(clauses, self.outputs, strict=True)
            )
            for row in rows
        )
        r.matches.append(
            RuleMatch(
                self.env.owner_id,
                self.env.owner_name,
                tuple(i + 1 for i in rules),
                tuple(self.rule_ids[i] for i in rules),
                tuple(
                    Evaluated(i, n, x) for (i, n), x in zip(self.input_names, given, strict=True)
                ),
                outputs,
            )
        )

    def _default(self, s: Scope) -> Any:
        values = [None if o.default is None else o.default.evaluate(s) for o in self.outputs]
        if self.single:
            return values[0]
        if not self.has_default:
            return None
        return {o.name: v for o, v in zip(self.outputs, values, strict=True)}

    def _hit(self, matched: list[int], s: Scope, r: Run, given: Sequence[Any]) -> Any:
        policy = self.policy
        multi = policy in (m.HitPolicy.COLLECT, m.HitPolicy.RULE_ORDER, m.HitPolicy.OUTPUT_ORDER)
        if not matched:
            self._record(r, (), given)
            if multi and not self.has_default:
                return self._aggregate([], s)
            return self._default(s)
        if policy is m.HitPolicy.FIRST:
            row = self._row(matched[0], s)
            self._record(r, matched[:1], given, [row])
            return row
        if policy is m.HitPolicy.UNIQUE:
            if len(matched) > 1:
                self._record(r, matched, given)
                s.warn(
                    f"{self.owner}: hit policy UNIQUE but rules "
                    f"{', '.join(str(i + 1) for i in matched)} match; the table gives null"
                )
                return None
            row = self._row(matched[0], s)
            self._record(r, matched, given, [row])
            return row
        rows = [self._row(i, s) for i in matched]
        if policy is m.HitPolicy.ANY:
            self._record(r, matched, given, rows)
            if any(equal(rows[0], x) is not True for x in rows[1:]):
                s.warn(
                    f"{self.owner}: hit policy ANY but rules "
                    f"{', '.join(str(i + 1) for i in matched)} give different outputs; "
                    "the table gives null"
                )
                return None
            return rows[0]
        if policy is m.HitPolicy.PRIORITY:
            keys = [self._priority(x, s) for x in rows]
            best = min(range(len(rows)), key=lambda j: keys[j])
            self._record(r, [matched[best]], given, [rows[best]])
            return rows[best]
        self._record(r, matched, given, rows)
        if policy is m.HitPolicy.OUTPUT_ORDER:
            keys = [self._priority(x, s) for x in rows]
            rows = [rows[j] for j in sorted(range(len(rows)), key=lambda j: keys[j])]
        if policy is m.HitPolicy.COLLECT:
            return self._aggregate(rows, s)
        return rows

    def _aggregate(self, rows: list[Any], s: Scope) -> Any:
        agg = self.aggregation
        if agg is None or self.policy is not m.HitPolicy.COLLECT:
            return rows
        if agg is m.Aggregation.COUNT:
            distinct: list[Any] = []
            for x in rows:
                if not any(equal(x, d) is True for d in distinct):
                    distinct.append(x)
            return Decimal(len(distinct))
        if not rows:
            return None
        if agg is m.Aggregation.SUM:
            if not all(type(x) is Decimal for x in rows):
                bad = next(x for x in rows if type(x) is not Decimal)
                s.warn(f"{self.owner}: COLLECT SUM over a {kind(bad)}; the table gives null")
                return None
            total = Decimal(0)
            for x in rows:
                total = DECIMAL.add(total, x)
            return total
        best = rows[0]
        for x in rows[1:]:
            c = compare(x, best)
            if c is None:
                s.warn(
                    f"{self.owner}: COLLECT {agg.value} cannot order {kind(x)} against "
                    f"{kind(best)}; the table gives null"
                )
                return None
            if (c < 0) if agg is m.Aggregation.MIN else (c > 0):
                best = x
        return best


def compile_table(table: m.DecisionTable, env: Env) -> Eval:
    return CompiledTable(table, env)
