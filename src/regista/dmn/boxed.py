"""Boxed expressions compiled into closures `(Scope, Run) -> value`.

Everything FEEL in a model is compiled here, once, when the model is loaded: a syntax
error becomes a `DmnError` naming the element, its line and the FEEL caret. Evaluation
never raises: invalid operations give null and a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from regista.dmn.env import Env, Eval, constant
from regista.dmn.results import Run
from regista.dmn.table import compile_table
from regista.dmn.typing import (
    ItemType,
    SignatureType,
    check,
    coerce,
)
from regista.feel import types as ft
from regista.feel.scope import Scope
from regista.feel.values import FeelEvalError, FeelFunction, kind
from regista.model import dmn as m

_FEEL_LANGUAGES = ("FEEL", "feel")


def compile_expression(expr: m.Expression | None, env: Env) -> Eval:
    """The closure computing `expr`, with its result checked against its typeRef."""
    if expr is None:
        return constant(None)
    fn = _COMPILERS[type(expr)](expr, env)
    if isinstance(expr, m.FunctionDefinition | m.DecisionTable) or expr.type_ref is None:
        # A function's typeRef types its result (checked on each call); a table checks
        # its outputs by column.
        return fn
    t = env.type_of(expr.type_ref, expr.line, expr.id)
    if t is None or isinstance(t, ft.AnyType):
        return fn
    what = f"{env.owner}, {_label(expr)}"

    def typed(s: Scope, r: Run) -> Any:
        return check(fn(s, r), t, what, s.warnings)

    return typed


def _label(expr: m.Expression) -> str:
    name = type(expr).__name__
    return f"{name} {expr.id}" if expr.id else name


# ---------------------------------------------------------------- the boxed expressions


def _literal(expr: m.LiteralExpression, env: Env) -> Eval:
    lang = expr.expression_language
    if lang and not any(x in lang for x in _FEEL_LANGUAGES):
        message = f"{env.owner}: expression language {lang!r} is not supported (only FEEL)"

        def unsupported(s: Scope, r: Run) -> Any:
            s.warn(message)
            return None

        return unsupported
    if not expr.text.strip():
        return constant(None)
    compiled = env.expression(expr.text, "literal expression", expr.line, expr.id)
    return lambda s, r: compiled.evaluate(s)


def _context(expr: m.Context, env: Env) -> Eval:
    inner_env = env.with_names(e.variable.name for e in expr.entries if e.variable is not None)
    entries: list[tuple[str | None, Eval, ft.FeelType | None]] = []
    for e in expr.entries:
        ev = compile_expression(e.value, inner_env)
        if e.variable is None:
            entries.append((None, ev, None))
        else:
            t = inner_env.type_of(e.variable.type_ref, expr.line, e.variable.id)
            entries.append((e.variable.name, ev, t))
    what = f"{env.owner}, context entry"

    def context(s: Scope, r: Run) -> Any:
        out: dict[str, Any] = {}
        inner = s.child(out)  # later entries (and functions defined here) see earlier ones
        for name, ev, t in entries:
            v = ev(inner, r)
            if name is None:
                return v
            out[name] = v if t is None else check(v, t, f"{what} {name!r}", s.warnings)
        return out

    return context


def _relation(expr: m.Relation, env: Env) -> Eval:
    columns = [(c.name, env.type_of(c.type_ref, expr.line, c.id)) for c in expr.columns]
    rows = [[compile_expression(c, env) for c in row] for row in expr.rows]
    what = f"{env.owner}, relation column"

    def cell(s: Scope, r: Run, column: tuple[str, ft.FeelType | None], ev: Eval) -> Any:
        name, t = column
        v = ev(s, r)
        return v if t is None else check(v, t, f"{what} {name!r}", s.warnings)

    def relation(s: Scope, r: Run) -> Any:
        return [
            {c[0]: cell(s, r, c, ev) for c, ev in zip(columns, row, strict=True)} for row in rows
        ]

    return relation


def _list(expr: m.ListExpression, env: Env) -> Eval:
    items = [compile_expression(i, env) for i in expr.items]
    return lambda s, r: [i(s, r) for i in items]


def _invocation(expr: m.Invocation, env: Env) -> Eval:
    called = compile_expression(expr.called, env)
    label = expr.called.text if isinstance(expr.called, m.LiteralExpression) else "function"
    bindings = [(b.parameter.name, compile_expression(b.value, env)) for b in expr.bindings]

    def invocation(s: Scope, r: Run) -> Any:
        fn = called(s, r)
        if not isinstance(fn, FeelFunction):
            s.warn(f"{env.owner}: {label.strip()} is a {kind(fn)}, not a function")
            return None
        args = {n: b(s, r) for n, b in bindings}
        try:
            return fn.invoke([], args)
        except FeelEvalError as e:
            s.warn(f"{env.owner}: invoking {label.strip()}: {e}")
        except RecursionError:
            s.warn(f"{env.owner}: invoking {label.strip()}: recursion too deep")
        return None

    return invocation


def _conditional(expr: m.Conditional, env: Env) -> Eval:
    cond = compile_expression(expr.condition, env)
    then = compile_expression(expr.then, env)
    otherwise = compile_expression(expr.otherwise, env)
    message = f"{env.owner}: the condition of a boxed conditional is a"

    def conditional(s: Scope, r: Run) -> Any:
        c = cond(s, r)
        if c is True:
            return then(s, r)
        if c is False or c is None:
            return otherwise(s, r)
        s.warn(f"{message} {kind(c)}, not a boolean; using null")
        return None

    return conditional


def _iteration(expr: m.Iteration, env: Env) -> Eval:
    source = compile_expression(expr.source, env)
    body = compile_expression(expr.body, env.with_names([expr.variable]))
    name = expr.variable
    kind_ = expr.kind

    def iteration(s: Scope, r: Run) -> Any:
        items = source(s, r)
        if items is None:
            return None
        if not isinstance(items, list):
            items = [items]
        if kind_ is m.IteratorKind.FOR:
            out: list[Any] = []
            for x in items:
                out.append(body(s.child({name: x, "partial": out}), r))
            return out
        every = kind_ is m.IteratorKind.EVERY
        result = every
        for x in items:
            v = body(s.child({name: x}), r)
            if v is not None and not isinstance(v, bool):
                s.warn(f"{env.owner}: {kind_.value} satisfies a {kind(v)}, not a boolean")
                return None
            if every and v is not True:
                result = False
            if not every and v is True:
                result = True
        return result

    return iteration


def _filter(expr: m.Filter, env: Env) -> Eval:
    source = compile_expression(expr.source, env)
    match = compile_expression(expr.match, env.with_names(["item"]))

    def filter_(s: Scope, r: Run) -> Any:
        items = source(s, r)
        if items is None:
            return None
        if not isinstance(items, list):
            items = [items]
        out: list[Any] = []
        for x in items:
            variables = dict(x) if isinstance(x, dict) else {}
            variables["item"] = x
            v = match(s.child(variables), r)
            if v is True:
                out.append(x)
            elif v is not None and v is not False:
                s.warn(f"{env.owner}: a filter matched a {kind(v)}, not a boolean; using null")
                return None
        return out

    return filter_


def result_type(t: ft.FeelType | None) -> ft.FeelType | None:
    """The declared result type of a function typed `t` (a function item or its output)."""
    base = t
    while isinstance(base, ItemType):
        base = base.base
    if isinstance(base, SignatureType | ft.FunctionType):
        return base.result
    return t


def make_function(
    name: str,
    params: list[tuple[str, ft.FeelType | None]],
    body: Eval,
    scope: Scope,
    run: Run,
    result: ft.FeelType | None,
    what: str,
) -> FeelFunction:
    """A FEEL function value whose call checks the arguments against their types and the
    result against `result`, then evaluates `body` in `scope` extended by the arguments."""
    names = [p for p, _ in params]
    typed = [(p, t) for p, t in params if t is not None and not isinstance(t, ft.AnyType)]

    def impl(*args: Any) -> Any:
        bound = dict(zip(names, args, strict=True))
        for p, t in typed:
            ok, v = coerce(bound[p], t)
            if not ok:
                raise FeelEvalError(f"argument {p!r} of {what} is a {kind(bound[p])}, expected {t}")
            bound[p] = v
        value = body(scope.child(bound), run)
        if result is not None:
            value = check(value, result, f"result of {what}", scope.warnings)
        return value

    return FeelFunction(name, [names], impl)


def _function(expr: m.FunctionDefinition, env: Env) -> Eval:
    what = f"function defined in {env.owner}"
    if expr.kind is not m.FunctionKind.FEEL:
        message = f"{what}: {expr.kind.value} functions are not supported"
        names = [p.name for p in expr.parameters]

        def external(s: Scope, r: Run) -> Any:
            def fail(*args: Any) -> Any:
                raise FeelEvalError(message)

            return FeelFunction(expr.kind.value.lower(), [names], fail)

        return external
    params = [
        (p.name, env.type_of(p.type_ref, expr.line, p.id or expr.id)) for p in expr.parameters
    ]
    body = compile_expression(expr.body, env.with_names(p for p, _ in params))
    result = result_type(env.type_of(expr.type_ref, expr.line, expr.id))

    def define(s: Scope, r: Run) -> Any:
        return make_function("function", params, body, s, r, result, what)

    return define


def _unsupported(expr: m.UnsupportedExpression, env: Env) -> Eval:
    message = f"{env.owner}: boxed expression <{expr.tag}> is not supported"

    def unsupported(s: Scope, r: Run) -> Any:
        s.warn(message)
        return None

    return unsupported


_COMPILERS: dict[type[m.Expression], Callable[[Any, Env], Eval]] = {
    m.LiteralExpression: _literal,
    m.DecisionTable: compile_table,
    m.Context: _context,
    m.Relation: _relation,
    m.ListExpression: _list,
    m.Invocation: _invocation,
    m.Conditional: _conditional,
    m.Iteration: _iteration,
    m.Filter: _filter,
    m.FunctionDefinition: _function,
    m.UnsupportedExpression: _unsupported,
}
