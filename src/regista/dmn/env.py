"""What compiling one boxed expression needs: the names in scope, the model's types and
where it is (for errors), and the shape of a compiled expression `(Scope, Run) -> value`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from regista import feel
from regista.dmn.errors import DmnError
from regista.dmn.results import Run
from regista.dmn.typing import TypeDefinitionError, TypeTable
from regista.feel import types as ft
from regista.feel.compiler import Compiler
from regista.feel.errors import FeelSyntaxError
from regista.feel.lexer import NameTable, special_names
from regista.feel.parser import parse
from regista.feel.scope import Scope

__all__ = ["Env", "Eval", "TypedExpression", "constant"]

Eval = Callable[[Scope, Run], Any]


@dataclass(frozen=True)
class Env:
    """What compiling one expression needs: the names in scope (so that names with spaces
    or operators lex as one name), the model's types, and where we are for errors."""

    owner_kind: str  # "decision", "business knowledge model", ...
    owner_id: str
    owner_name: str
    names: frozenset[str]
    types: TypeTable
    file: str | None

    def with_names(self, more: Iterable[str]) -> Env:
        return replace(self, names=self.names | frozenset(more))

    @property
    def owner(self) -> str:
        return f"{self.owner_kind} {self.owner_name!r}"

    def error(self, what: str, message: str, line: int, element_id: str = "") -> DmnError:
        inner = f" (element {element_id!r})" if element_id and element_id not in what else ""
        return DmnError(
            f"{self.owner} (id {self.owner_id!r}), {what}{inner}: {message}",
            file=self.file,
            line=line or None,
            element_id=self.owner_id,
        )

    def expression(self, text: str, what: str, line: int, element_id: str = "") -> feel.Expression:
        try:
            if (self.types.items or self.types.imports) and _TYPED.search(text):
                return TypedExpression(text, self.names, self.types)
            return feel.compile(text, self.names)
        except FeelSyntaxError as e:
            raise self.error(what, str(e), line, element_id) from None

    def tests(self, text: str, what: str, line: int, element_id: str = "") -> feel.UnaryTests:
        try:
            return feel.compile_unary_tests(text, self.names)
        except FeelSyntaxError as e:
            raise self.error(what, str(e), line, element_id) from None

    def type_of(self, type_ref: str | None, line: int, element_id: str = "") -> ft.FeelType | None:
        try:
            return self.types.resolve(type_ref)
        except TypeDefinitionError as e:
            raise self.error("typeRef", str(e), line, element_id) from None


_TYPED = re.compile(r"instance\s+of|function\s*\(")


class TypedExpression(feel.Expression):
    """A FEEL expression that may name the model's item definitions as types
    (`x instance of tPerson`, `function(p: tPerson) ...`)."""

    __slots__ = ()

    def __init__(self, source: str, names: Iterable[str], types: TypeTable) -> None:
        self.source = source
        table = NameTable(special_names(n for n in names if n in source))
        self.node = parse(source, table, "start")
        self._fn = Compiler(types.structural).compile(self.node)


def constant(value: Any) -> Eval:
    return lambda s, r: value
