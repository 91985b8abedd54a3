"""The names a FEEL expression reads from its context: every name it mentions that none of
its own constructs binds (`for` and quantifier variables, function parameters, the keys of
a context literal) and that is no built-in function. Validation uses it to list what a
decision needs from its caller."""

from __future__ import annotations

from collections.abc import Iterable

from regista.feel import ast
from regista.feel.scope import default_builtins


def free_names(node: ast.Node, bound: Iterable[str] = ()) -> set[str]:
    """The names `node` reads from outside. A name inside a filter condition is left out
    (it usually names a field of the item being filtered, which cannot be told apart
    without the data), so the set errs towards fewer names rather than invented ones."""
    builtins = set(default_builtins())
    found: set[str] = set()
    _walk(node, frozenset(bound), found, builtins)
    return found


def _walk(node: ast.Node, bound: frozenset[str], found: set[str], builtins: set[str]) -> None:
    if isinstance(node, ast.Name):
        if node.name not in bound:
            found.add(node.name)
        return
    if isinstance(node, ast.Call):
        function = node.function
        if not (isinstance(function, ast.Name) and function.name in builtins):
            _walk(function, bound, found, builtins)
        for arg in node.args:
            _walk(arg, bound, found, builtins)
        for _, arg in node.named or ():
            _walk(arg, bound, found, builtins)
        return
    if isinstance(node, ast.For | ast.Quantified):
        inner = bound
        for iteration in node.iterations:
            _walk(iteration.source, inner, found, builtins)
            if iteration.end is not None:
                _walk(iteration.end, inner, found, builtins)
            inner = inner | {iteration.name}
        tail = node.body if isinstance(node, ast.For) else node.condition
        # `partial` is the list built so far, visible in the body of a `for`
        _walk(tail, inner | {"partial"}, found, builtins)
        return
    if isinstance(node, ast.FunctionDefinition):
        _walk(node.body, bound | {name for name, _ in node.params}, found, builtins)
        return
    if isinstance(node, ast.ContextLiteral):
        inner = bound
        for key, value in node.entries:
            _walk(value, inner, found, builtins)
            inner = inner | {key}
        return
    if isinstance(node, ast.Filter):
        _walk(node.base, bound, found, builtins)
        return
    if isinstance(node, ast.Path):
        _walk(node.base, bound, found, builtins)
        return
    for child in ast.children(node):
        _walk(child, bound, found, builtins)
