"""FEEL parser: scope-aware tokens fed to an LALR parser built from `grammar.lark`,
and the parse tree turned into `regista.feel.ast` nodes."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, Tree
from lark.exceptions import UnexpectedInput
from lark.lexer import Lexer

from regista.feel import ast
from regista.feel.errors import FeelSyntaxError
from regista.feel.lexer import NameTable, tokenize
from regista.feel.values import DECIMAL

# The transformer has a `list` method (a grammar rule), which shadows the type there.
_Items = list[Any]

MAX_DEPTH = 200
# The deepest nesting of the syntax tree (compiling and evaluating recurse once a level).
MAX_NESTING = 300
MAX_LENGTH = 1_000_000


class _NoLexer(Lexer):
    """Placeholder: tokens are fed to the parser by `regista.feel.lexer`."""

    def __init__(self, conf: Any) -> None:
        pass

    def lex(self, *args: Any) -> Any:  # pragma: no cover - never called
        raise NotImplementedError


@cache
def _lark() -> Lark:
    grammar = resources.files("regista.feel").joinpath("grammar.lark").read_text("utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer=_NoLexer,
        start=["start", "unary_tests"],
        maybe_placeholders=True,
    )


def _text(tok: Any) -> str:
    return str(tok)


class _Builder(Transformer[Token, Any]):
    """Turns lark trees into AST nodes."""

    def start(self, c: _Items) -> ast.Node:
        node: ast.Node = c[0]
        return node

    def unary_tests(self, c: _Items) -> tuple[ast.Node, ...] | None:
        tests: tuple[ast.Node, ...] = c[0]
        return tests

    def any_input(self, c: _Items) -> None:
        return None

    def positive_unary_tests(self, c: _Items) -> tuple[ast.Node, ...]:
        return tuple(x for x in c if isinstance(x, ast.Node))

    def name(self, c: _Items) -> str:
        return " ".join(_text(t) for t in c)

    def var(self, c: _Items) -> ast.Node:
        return ast.Name(c[0])

    def input_value(self, c: _Items) -> ast.Node:
        return ast.InputValue()

    def number(self, c: _Items) -> ast.Node:
        return ast.Literal(DECIMAL.create_decimal(_text(c[0])))

    def string(self, c: _Items) -> ast.Node:
        return ast.Literal(_text(c[0]))

    def true(self, c: _Items) -> ast.Node:
        return ast.Literal(True)

    def false(self, c: _Items) -> ast.Node:
        return ast.Literal(False)

    def null(self, c: _Items) -> ast.Node:
        return ast.Literal(None)

    def temporal(self, c: _Items) -> ast.Node:
        return ast.Temporal(_text(c[1]))

    def neg(self, c: _Items) -> ast.Node:
        operand = c[1]
        if isinstance(operand, ast.Literal) and isinstance(operand.value, Decimal):
            return ast.Literal(DECIMAL.minus(operand.value))  # 34 digits, not 28
        return ast.Negation(operand)

    def _arith(self, op: str, c: _Items) -> ast.Node:
        return ast.Arithmetic(op, c[0], c[2])

    def add(self, c: _Items) -> ast.Node:
        return self._arith("+", c)

    def sub(self, c: _Items) -> ast.Node:
        return self._arith("-", c)

    def mul(self, c: _Items) -> ast.Node:
        return self._arith("*", c)

    def div(self, c: _Items) -> ast.Node:
        return self._arith("/", c)

    def pow(self, c: _Items) -> ast.Node:
        return self._arith("**", c)

    def compop(self, c: _Items) -> str:
        return _text(c[0])

    def compare(self, c: _Items) -> ast.Node:
        return ast.Comparison(c[1], c[0], c[2])

    def between(self, c: _Items) -> ast.Node:
        return ast.Between(c[0], c[2], c[4])

    def in_(self, c: _Items) -> ast.Node:
        return ast.In(c[0], (c[2],))

    def in_list(self, c: _Items) -> ast.Node:
        return ast.In(c[0], tuple(x for x in c[3:] if isinstance(x, ast.Node)))

    def and_(self, c: _Items) -> ast.Node:
        return ast.And(c[0], c[2])

    def or_(self, c: _Items) -> ast.Node:
        return ast.Or(c[0], c[2])

    def if_expr(self, c: _Items) -> ast.Node:
        return ast.If(c[1], c[3], c[5])

    def iteration(self, c: _Items) -> ast.Iteration:
        return ast.Iteration(c[0], c[2], None)

    def iteration_range(self, c: _Items) -> ast.Iteration:
        return ast.Iteration(c[0], c[2], c[4])

    def quantifier(self, c: _Items) -> ast.Iteration:
        return ast.Iteration(c[0], c[2], None)

    def for_expr(self, c: _Items) -> ast.Node:
        its = tuple(x for x in c if isinstance(x, ast.Iteration))
        return ast.For(its, c[-1])

    def quantified(self, c: _Items) -> ast.Node:
        its = tuple(x for x in c if isinstance(x, ast.Iteration))
        return ast.Quantified(_text(c[0]) == "every", its, c[-1])

    def formal_param(self, c: _Items) -> tuple[str, ast.TypeRef | None]:
        return (c[0], c[2] if len(c) > 2 else None)

    def _params(self, c: _Items) -> tuple[tuple[str, ast.TypeRef | None], ...]:
        return tuple(x for x in c if isinstance(x, tuple))

    def function_def(self, c: _Items) -> ast.Node:
        return ast.FunctionDefinition(self._params(c[2:-2]), c[-1])

    def external_def(self, c: _Items) -> ast.Node:
        return ast.FunctionDefinition(self._params(c[2:-3]), c[-1], external=True)

    def paren(self, c: _Items) -> ast.Node:
        return c[1]  # type: ignore[no-any-return]

    def filter(self, c: _Items) -> ast.Node:
        return ast.Filter(c[0], c[2])

    def path(self, c: _Items) -> ast.Node:
        return ast.Path(c[0], c[2])

    def call(self, c: _Items) -> ast.Node:
        return ast.Call(c[0], tuple(x for x in c[2:] if isinstance(x, ast.Node)))

    def named_arg(self, c: _Items) -> tuple[str, ast.Node]:
        return (c[0], c[2])

    def call_named(self, c: _Items) -> ast.Node:
        named = tuple(x for x in c[2:] if isinstance(x, tuple))
        return ast.Call(c[0], (), named)

    def list(self, c: _Items) -> ast.Node:
        return ast.ListLiteral(tuple(x for x in c if isinstance(x, ast.Node)))

    def context_entry(self, c: _Items) -> tuple[str, ast.Node]:
        return (c[0], c[2])

    def key(self, c: _Items) -> str:
        return _text(c[0])

    def context(self, c: _Items) -> ast.Node:
        return ast.ContextLiteral(tuple(x for x in c if isinstance(x, tuple)))

    def interval(self, c: _Items) -> ast.Node:
        return ast.RangeLiteral(_text(c[0]) == "[", c[1], c[3], _text(c[4]) == "]")

    def unary_range(self, c: _Items) -> ast.Node:
        return ast.UnaryComparison(_text(c[0]), c[1])

    def unary_eq(self, c: _Items) -> ast.Node:
        return ast.UnaryComparison("=", c[1])

    def unary_ne(self, c: _Items) -> ast.Node:
        return ast.UnaryComparison("!=", c[1])

    def named_type(self, c: _Items) -> ast.TypeRef:
        return ast.TypeRef(c[0])

    def generic_type(self, c: _Items) -> ast.TypeRef:
        return ast.TypeRef(c[0], tuple(x for x in c[2:] if isinstance(x, ast.TypeRef)))

    def type_entry(self, c: _Items) -> tuple[str, ast.TypeRef]:
        return (c[0], c[2])

    def context_type(self, c: _Items) -> ast.TypeRef:
        return ast.TypeRef(c[0], entries=tuple(x for x in c[2:] if isinstance(x, tuple)))

    def function_type(self, c: _Items) -> ast.TypeRef:
        args = tuple(x for x in c[2:-2] if isinstance(x, ast.TypeRef))
        return ast.TypeRef("function", args, result=c[-1])

    def instance_of(self, c: _Items) -> ast.Node:
        return ast.InstanceOf(c[0], c[2])


class _Reduce:
    """A work item of `_build`: build this tree from its children's values."""

    __slots__ = ("tree",)

    def __init__(self, tree: Tree[Token]) -> None:
        self.tree = tree


# Left-recursive rules whose left-deep chains the compiler flattens, by AST node type.
_CHAINS = {
    "add": "arithmetic",
    "sub": "arithmetic",
    "mul": "arithmetic",
    "div": "arithmetic",
    "pow": "arithmetic",
    "and_": "and",
    "or_": "or",
}


def _build(tree: Tree[Token]) -> Any:
    """`_Builder().transform(tree)` without recursion (a flat chain `1 + 1 + ... + 1` is a
    parse tree as deep as it is long), refusing trees that nest deeper than MAX_NESTING.

    Each value carries (nesting, chain, below): a node nests one level deeper than its
    children, but the links of a left-deep chain of one operator kind count one level each
    only while the chain is shorter than `ast.LONG_CHAIN` (a long one compiles to a loop)."""
    builder = _Builder()
    values: list[Any] = []
    depths: list[tuple[int, int, int]] = []
    work: list[Any] = [tree]
    while work:
        item = work.pop()
        if isinstance(item, _Reduce):
            node = item.tree
            n = len(node.children)
            children = values[len(values) - n :] if n else []
            inner = depths[len(depths) - n :] if n else []
            del values[len(values) - n :], depths[len(depths) - n :]
            family = _CHAINS.get(str(node.data))
            first = node.children[0] if node.children else None
            if (
                family is not None
                and isinstance(first, Tree)
                and _CHAINS.get(str(first.data)) == family
            ):
                chain = inner[0][1] + 1
                below = max([inner[0][2], *(d[0] for d in inner[1:])])
            else:
                chain = 1
                below = max((d[0] for d in inner), default=0)
            nesting = below + (1 if chain >= ast.LONG_CHAIN else chain)
            if nesting > MAX_NESTING:
                raise _TooDeep
            method = getattr(builder, str(node.data), None)
            values.append(method(children) if method is not None else Tree(node.data, children))
            depths.append((nesting, chain, below))
        elif isinstance(item, Tree):
            work.append(_Reduce(item))
            work.extend(reversed(item.children))
        else:
            values.append(item)  # a token, or None for an absent optional part
            depths.append((0, 0, 0))
    return values[0]


class _TooDeep(Exception):
    pass


def _check_depth(text: str) -> None:
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, i) + 1
                col = i - (text.rfind("\n", 0, i) + 1) + 1
                raise FeelSyntaxError(
                    f"expression nests deeper than {MAX_DEPTH} levels; simplify it",
                    text,
                    line,
                    col,
                )
        elif ch in ")]}":
            depth -= 1


def parse(text: str, names: NameTable, start: str = "start") -> Any:
    """Parse FEEL text into an AST node (`start`) or a tuple of unary tests (`unary_tests`,
    None meaning `-`). Raises FeelSyntaxError with the position of the problem."""
    if len(text) > MAX_LENGTH:
        raise FeelSyntaxError(f"expression longer than {MAX_LENGTH} characters", text[:80], 1, 1)
    _check_depth(text)
    parser = _lark()
    interactive = parser.parse_interactive(start=start)
    last: Token | None = None
    try:
        for tok in tokenize(text, names):
            if start == "unary_tests" and tok.type == "MINUS" and text.strip() == "-":
                tok.type = "DASH_ONLY"
            last = Token(tok.type, tok.value, tok.pos, tok.line, tok.column)
            interactive.feed_token(last)
        tree: Tree[Token] = interactive.feed_eof(last)  # type: ignore[no-untyped-call]
    except UnexpectedInput as e:
        bad: Any = getattr(e, "token", None)
        if bad is None or bad.type == "$END":
            line = text.count("\n") + 1
            col = len(text) - (text.rfind("\n") + 1) + 1
            raise FeelSyntaxError("unexpected end of expression", text, line, col) from None
        raise FeelSyntaxError(
            f"unexpected {_describe(bad)}", text, bad.line or 1, bad.column or 1
        ) from None
    try:
        return _build(tree)
    except _TooDeep:
        raise FeelSyntaxError(
            f"expression nests deeper than {MAX_NESTING} levels; simplify it", text, 1, 1
        ) from None
    except RecursionError:
        raise FeelSyntaxError("expression nests too deeply; simplify it", text, 1, 1) from None
    except Exception as e:
        raise FeelSyntaxError(f"cannot build expression: {e}", text, 1, 1) from e


def _describe(tok: Any) -> str:
    if tok.type == "NAME":
        return f"name {tok.value!r}"
    if tok.type == "STRING":
        return f'string "{tok.value}"'
    return repr(str(tok.value))
