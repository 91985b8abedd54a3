"""Evaluating the expressions and scripts of a model: FEEL always, Python when trusted.

FEEL is compiled once per expression text and kept (the model's expressions are few and
reused by every instance). Variables are FEEL values; a Python expression or script sees
them as plain Python (`to_python`, converted lazily: only the variables it reads) and its
results come back as FEEL values. `now()` and
`today()` read the step's `ctx.now`, never the system clock.
"""

from __future__ import annotations

import ast
import types
from collections.abc import Mapping, Sequence
from types import CodeType
from typing import Any

from regista import feel
from regista.engine.context import Context
from regista.engine.errors import ExpressionError
from regista.engine.pybuiltins import FULL, RESTRICTED
from regista.feel.errors import FeelBudgetExceeded, FeelSyntaxError
from regista.feel.scope import Budget, Scope
from regista.feel.values import to_feel, to_python
from regista.model.bpmn import Expression

__all__ = [
    "evaluate",
    "evaluate_chain",
    "feel_expression",
    "python_code",
    "run_script",
]

_FEEL: dict[str, feel.Expression] = {}
_PYTHON: dict[tuple[str, str], CodeType] = {}
_CACHE_LIMIT = 20_000
_RESULT = "__regista_result__"


def feel_expression(text: str, names: Sequence[str] = ()) -> feel.Expression:
    """The compiled FEEL expression `text` (cached); raises `ExpressionError` on bad syntax.

    Names with spaces are read as one name only where `names` lists them; the cache keeps
    the common case (no such names) one dict lookup.
    """
    compiled = _FEEL.get(text)
    if compiled is not None:
        return compiled
    try:
        compiled = feel.compile(text)
    except FeelSyntaxError as exc:
        if names:
            try:
                return feel.compile(text, names)
            except FeelSyntaxError:
                pass
        raise ExpressionError(f"invalid FEEL expression {text!r}: {exc.message}") from exc
    if len(_FEEL) >= _CACHE_LIMIT:
        _FEEL.clear()
    _FEEL[text] = compiled
    return compiled


def python_code(text: str, mode: str) -> CodeType:
    """Compiled Python: mode "eval" for an expression, "exec" for a script whose last
    expression statement (if any) gives the script's value."""
    key = (text, mode)
    code = _PYTHON.get(key)
    if code is not None:
        return code
    try:
        if mode == "eval":
            code = compile(text.strip(), "<expression>", "eval")
        else:
            tree = ast.parse(text, "<script>", "exec")
            if tree.body and isinstance(tree.body[-1], ast.Expr):
                last = tree.body[-1]
                tree.body[-1] = ast.copy_location(
                    ast.Assign(targets=[ast.Name(_RESULT, ast.Store())], value=last.value),
                    last,
                )
                ast.fix_missing_locations(tree)
            code = compile(tree, "<script>", "exec")
    except SyntaxError as exc:
        raise ExpressionError(
            f"invalid Python {mode} {text!r}: {exc.msg} (line {exc.lineno})"
        ) from None
    if len(_PYTHON) >= _CACHE_LIMIT:
        _PYTHON.clear()
    _PYTHON[key] = code
    return code


def _feel_scope(chain: Sequence[Mapping[str, Any]], ctx: Context, warnings: list[str]) -> Scope:
    builtins = ctx.feel_builtins
    budget = Budget(ctx.feel_budget)  # per expression
    scope: Scope | None = None
    for variables in chain:
        scope = Scope(variables, scope, warnings, builtins, budget)
    if scope is None:
        scope = Scope({}, None, warnings, builtins, budget)
    return scope


def _run_feel(compiled: feel.Expression, scope: Scope) -> Any:
    try:
        return compiled.evaluate(scope)
    except FeelBudgetExceeded as exc:
        raise ExpressionError(
            f"the FEEL expression {compiled.source!r} took more than {exc.limit} evaluation "
            "steps, over the limit feel_budget (raise it with REGISTA_FEEL_BUDGET or "
            "`--feel-budget`, or make the expression loop less)"
        ) from None


class _PythonVariables(dict[str, Any]):
    """The globals a Python script or expression runs with: the process variables of
    `chain` (FEEL values, innermost last), each converted to Python only when the code
    first reads it, so that a script pays for the variables it uses and not for every
    variable of the instance (a dict subclass: CPython looks a name up through
    `__missing__` when the globals are not a plain dict). `loaded` keeps what was read, as
    converted, to tell afterwards which variables the code changed."""

    def __init__(self, chain: Sequence[Mapping[str, Any]]) -> None:
        super().__init__()
        self._chain = chain
        self.loaded: dict[str, Any] = {}
        self._deleted: set[str] = set()

    def _find(self, name: str) -> Any:
        if name not in self._deleted:
            for variables in reversed(self._chain):
                if name in variables:
                    return variables[name]
        return _ABSENT

    def __missing__(self, name: str) -> Any:
        found = self._find(name)
        if found is _ABSENT:
            raise KeyError(name)
        value = self.loaded[name] = to_python(found)
        self[name] = value
        return value

    def __contains__(self, name: object) -> bool:
        if super().__contains__(name):
            return True
        return name not in self._deleted and any(name in v for v in self._chain)

    def __delitem__(self, name: str) -> None:
        # `del x` of a variable the code never read: it is there all the same
        if super().__contains__(name):
            super().__delitem__(name)
        elif name not in self:
            raise KeyError(name)
        self._deleted.add(name)


def _builtins(ctx: Context) -> dict[str, Any]:
    # a fresh dict each time: a script that rebinds a builtin must not change the next one's
    return dict(FULL if ctx.full_builtins else RESTRICTED)


def _hint(exc: Exception, ctx: Context) -> str:
    """How to get a builtin that the restricted set leaves out, when that was the error."""
    if ctx.full_builtins:
        return ""
    missing = getattr(exc, "name", None) if isinstance(exc, NameError) else None
    if isinstance(exc, ImportError) and "__import__" in str(exc):
        missing = "__import__"
    if missing is None or missing not in FULL or missing in RESTRICTED:
        return ""
    return (
        f" ({missing!r} is not among the restricted builtins of trusted models; deploy the "
        "model with full builtins to use it: regista deploy --trusted --full-builtins)"
    )


def _require_trust(ctx: Context, what: str) -> None:
    if not ctx.trusted:
        raise ExpressionError(
            f"{what} is Python, which runs only in models deployed as trusted; deploy the "
            "model as trusted or rewrite it in FEEL"
        )


def evaluate_chain(
    expr: Expression,
    chain: Sequence[Mapping[str, Any]],
    ctx: Context,
    warnings: list[str] | None = None,
) -> Any:
    """Evaluate `expr` where the variables are the FEEL-valued maps of `chain`, outermost
    first (inner names hide outer ones)."""
    language = expr.language
    if language == "feel":
        names: tuple[str, ...] = ()
        compiled = _FEEL.get(expr.text)
        if compiled is None:
            names = tuple(n for variables in chain for n in variables if " " in n)
            compiled = feel_expression(expr.text, names)
        return _run_feel(
            compiled, _feel_scope(chain, ctx, warnings if warnings is not None else [])
        )
    if language == "literal":
        return expr.text
    if language == "python":
        _require_trust(ctx, f"the expression {expr.text!r}")
        code = python_code(expr.text, "eval")
        scope = _PythonVariables(chain)
        scope["__builtins__"] = _builtins(ctx)
        try:
            return to_feel(eval(code, scope))
        except Exception as exc:
            raise ExpressionError(
                f"the Python expression {expr.text!r} raised {type(exc).__name__}: {exc}"
                + _hint(exc, ctx)
            ) from exc
    raise ExpressionError(
        f"the expression {expr.text!r} is written in {language!r}, which Regista cannot "
        "run; rewrite it in FEEL"
    )


def evaluate(
    expr: Expression,
    variables: Mapping[str, Any] | Scope,
    ctx: Context,
    warnings: list[str] | None = None,
) -> Any:
    """Evaluate an expression of the model against variables (Python or FEEL values, or a
    FEEL `Scope`). Python needs `ctx.trusted`; errors raise `ExpressionError`."""
    if isinstance(variables, Scope):
        if expr.language == "feel":
            return feel_expression(expr.text, tuple(variables.names())).evaluate(
                variables, warnings
            )
        merged: dict[str, Any] = {}
        scope: Scope | None = variables
        chain: list[Mapping[str, Any]] = []
        while scope is not None:
            chain.append(scope.vars)
            scope = scope.parent
        for item in reversed(chain):
            merged.update(item)
        return evaluate_chain(expr, [merged], ctx, warnings)
    converted = {str(k): to_feel(v) for k, v in variables.items()}
    return evaluate_chain(expr, [converted], ctx, warnings)


def run_script(
    text: str,
    language: str,
    chain: Sequence[Mapping[str, Any]],
    ctx: Context,
) -> tuple[Any, dict[str, Any]]:
    """Run a script task's script: its value and the variables it assigned (Python only),
    both as FEEL values."""
    if language == "feel":
        compiled = _FEEL.get(text) or feel_expression(
            text, tuple(n for variables in chain for n in variables if " " in n)
        )
        return _run_feel(compiled, _feel_scope(chain, ctx, [])), {}
    if language == "python":
        _require_trust(ctx, "the script")
        code = python_code(text, "exec")
        scope = _PythonVariables(chain)
        scope["__builtins__"] = _builtins(ctx)
        try:
            exec(code, scope)
        except Exception as exc:
            raise ExpressionError(
                f"the Python script raised {type(exc).__name__}: {exc}" + _hint(exc, ctx)
            ) from exc
        result = scope.pop(_RESULT, None)
        before = scope.loaded
        assigned: dict[str, Any] = {}
        for name, value in scope.items():
            if name.startswith("__") or _is_code(value):
                continue
            old = before.get(name, _ABSENT)
            if old is value and not isinstance(value, list | dict):
                continue
            if (
                old is not _ABSENT
                and isinstance(value, list | dict)
                and value == to_python(_original(chain, name))
            ):
                continue
            assigned[name] = to_feel(value)
        return to_feel(result), assigned
    raise ExpressionError(
        f"scripts in {language!r} cannot run; write the script in FEEL"
        + (" or Python (trusted models only)" if language else "")
    )


_ABSENT = object()


def _original(chain: Sequence[Mapping[str, Any]], name: str) -> Any:
    for variables in reversed(chain):
        if name in variables:
            return variables[name]
    return None


def _is_code(value: Any) -> bool:
    return isinstance(value, _CODE_TYPES)


_CODE_TYPES = (types.ModuleType, types.FunctionType, type)
