"""Translation of Camunda 7 JUEL expressions (`${...}`) into FEEL.

Only the simple subset models use for conditions and mappings is translated: variable and
property references, literals, comparisons, boolean logic, arithmetic, `? :` and
composite text such as `Order ${id}`. Anything else (method calls, functions, `empty`,
the `execution` object) raises `JuelError` saying what is not supported, so deployment
fails instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = ["JuelError", "is_juel", "translate"]


class JuelError(ValueError):
    """A JUEL expression that cannot be translated to FEEL; the message says why."""


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||[<>!+\-*/%().?:\[\],])
    """,
    re.VERBOSE,
)

_WORD_OPS = {
    "and": "&&",
    "or": "||",
    "not": "!",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "div": "/",
    "mod": "%",
}
_UNSUPPORTED_WORDS = {"empty", "instanceof"}
_CONTEXT_OBJECTS = {"execution", "task", "connector", "variableScope", "externalTask"}
_FEEL_KEYWORDS = {
    "if",
    "then",
    "else",
    "for",
    "in",
    "return",
    "some",
    "every",
    "satisfies",
    "function",
    "between",
    "instance",
    "of",
    "external",
}

# Precedence levels of the emitted FEEL (higher binds tighter).
_IF, _OR, _AND, _CMP, _ADD, _MUL, _UNARY, _ATOM = range(8)
_COMPARISONS = {"==": "=", "!=": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">="}


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    text: str


def is_juel(text: str) -> bool:
    """Whether `text` contains a JUEL `${...}` or `#{...}` expression."""
    return "${" in text or "#{" in text


def translate(text: str) -> str:
    """Translate JUEL text to FEEL source (without the `=` marker)."""
    segments = _split(text)
    if len(segments) == 1 and segments[0][0] == "expr":
        return _Parser(segments[0][1]).parse()[0]
    parts: list[str] = []
    for kind, value in segments:
        if kind == "text":
            parts.append(_feel_string(value))
        else:
            parts.append(f"string({_Parser(value).parse()[0]})")
    return " + ".join(parts) if parts else '""'


def _split(text: str) -> list[tuple[str, str]]:
    """Split composite text into literal text and `${...}` expression segments."""
    segments: list[tuple[str, str]] = []
    pos = 0
    stripped = text.strip()
    if stripped.startswith(("${", "#{")) and _matching_brace(stripped, 1) == len(stripped) - 1:
        return [("expr", stripped[2:-1])]
    while pos < len(text):
        start = min((i for i in (text.find("${", pos), text.find("#{", pos)) if i >= 0), default=-1)
        if start < 0:
            segments.append(("text", text[pos:]))
            break
        if start > pos:
            segments.append(("text", text[pos:start]))
        end = _matching_brace(text, start + 1)
        if end < 0:
            raise JuelError(f"unclosed '{text[start : start + 2]}' in {text!r}")
        segments.append(("expr", text[start + 2 : end]))
        pos = end + 1
    return segments


def _matching_brace(text: str, open_at: int) -> int:
    """Index of the `}` closing the `{` at `open_at`, skipping string literals; -1 if none."""
    depth = 0
    quote = ""
    i = open_at
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _feel_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _tokenize(source: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if m is None:
            raise JuelError(f"unexpected character {source[pos]!r} in ${{{source}}}")
        pos = m.end()
        kind = m.lastgroup or ""
        if kind == "ws":
            continue
        text = m.group()
        if kind == "name" and text in _WORD_OPS:
            tokens.append(_Tok("op", _WORD_OPS[text]))
        else:
            tokens.append(_Tok(kind, text))
    tokens.append(_Tok("end", ""))
    return tokens


class _Parser:
    """Recursive descent over JUEL producing (FEEL text, precedence) pairs."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.pos = 0

    def parse(self) -> tuple[str, int]:
        if self.tokens[0].kind == "end":
            raise JuelError("empty expression ${}")
        try:
            result = self._ternary()
        except RecursionError:
            raise JuelError("the expression nests too deeply") from None
        if self._peek().kind != "end":
            raise self._error(f"unexpected {self._peek().text!r}")
        return result

    def _error(self, what: str) -> JuelError:
        return JuelError(f"{what} in ${{{self.source}}}")

    def _peek(self) -> _Tok:
        return self.tokens[self.pos]

    def _take(self) -> _Tok:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def _accept(self, op: str) -> bool:
        tok = self._peek()
        if tok.kind == "op" and tok.text == op:
            self.pos += 1
            return True
        return False

    def _expect(self, op: str) -> None:
        if not self._accept(op):
            raise self._error(f"expected {op!r}, found {self._peek().text or 'the end'!r}")

    @staticmethod
    def _wrap(part: tuple[str, int], at_least: int) -> str:
        text, prec = part
        return text if prec >= at_least else f"({text})"

    def _ternary(self) -> tuple[str, int]:
        cond = self._or()
        if not self._accept("?"):
            return cond
        then = self._ternary()
        self._expect(":")
        other = self._ternary()
        return f"if {cond[0]} then {then[0]} else {other[0]}", _IF

    def _or(self) -> tuple[str, int]:
        left = self._and()
        while self._accept("||"):
            right = self._and()
            left = f"{self._wrap(left, _OR)} or {self._wrap(right, _AND)}", _OR
        return left

    def _and(self) -> tuple[str, int]:
        left = self._equality()
        while self._accept("&&"):
            right = self._equality()
            left = f"{self._wrap(left, _AND)} and {self._wrap(right, _CMP)}", _AND
        return left

    def _comparison(self, ops: tuple[str, ...], operand: str) -> tuple[str, int]:
        left = self._relational() if operand == "rel" else self._additive()
        while self._peek().kind == "op" and self._peek().text in ops:
            op = _COMPARISONS[self._take().text]
            right = self._relational() if operand == "rel" else self._additive()
            left = f"{self._wrap(left, _ADD)} {op} {self._wrap(right, _ADD)}", _CMP
        return left

    def _equality(self) -> tuple[str, int]:
        return self._comparison(("==", "!="), "rel")

    def _relational(self) -> tuple[str, int]:
        return self._comparison(("<", ">", "<=", ">="), "add")

    def _additive(self) -> tuple[str, int]:
        left = self._multiplicative()
        while self._peek().kind == "op" and self._peek().text in ("+", "-"):
            op = self._take().text
            right = self._multiplicative()
            left = f"{self._wrap(left, _ADD)} {op} {self._wrap(right, _MUL)}", _ADD
        return left

    def _multiplicative(self) -> tuple[str, int]:
        left = self._unary()
        while self._peek().kind == "op" and self._peek().text in ("*", "/", "%"):
            op = self._take().text
            right = self._unary()
            if op == "%":
                left = f"modulo({left[0]}, {right[0]})", _ATOM
            else:
                left = f"{self._wrap(left, _MUL)} {op} {self._wrap(right, _UNARY)}", _MUL
        return left

    def _unary(self) -> tuple[str, int]:
        if self._accept("!"):
            operand = self._unary()
            return f"not({operand[0]})", _ATOM
        if self._accept("-"):
            operand = self._unary()
            return f"-{self._wrap(operand, _UNARY)}", _UNARY
        return self._value()

    def _value(self) -> tuple[str, int]:
        result = self._primary()
        while True:
            if self._accept("."):
                tok = self._take()
                if tok.kind != "name":
                    raise self._error("expected a property name after '.'")
                if self._peek().kind == "op" and self._peek().text == "(":
                    raise self._error(f"method call '{tok.text}(...)' is not supported")
                result = f"{self._wrap(result, _ATOM)}.{self._name(tok.text)}", _ATOM
            elif self._accept("["):
                result = self._index(result)
            else:
                return result

    def _index(self, base: tuple[str, int]) -> tuple[str, int]:
        tok = self._take()
        self._expect("]")
        if tok.kind == "number" and tok.text.isdigit():
            # JUEL lists count from 0, FEEL lists from 1.
            return f"{self._wrap(base, _ATOM)}[{int(tok.text) + 1}]", _ATOM
        if tok.kind == "string":
            key = _unquote(tok.text)
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) and key not in _FEEL_KEYWORDS:
                return f"{self._wrap(base, _ATOM)}.{key}", _ATOM
            return f"get value({base[0]}, {_feel_string(key)})", _ATOM
        raise self._error("only a number or string literal index is supported")

    def _name(self, name: str) -> str:
        if name in _FEEL_KEYWORDS or "$" in name:
            raise self._error(f"the name '{name}' cannot be written in FEEL")
        return name

    def _primary(self) -> tuple[str, int]:
        tok = self._take()
        if tok.kind == "number":
            return _feel_number(tok.text), _ATOM
        if tok.kind == "string":
            return _feel_string(_unquote(tok.text)), _ATOM
        if tok.kind == "op" and tok.text == "(":
            inner = self._ternary()
            self._expect(")")
            return f"({inner[0]})", _ATOM
        if tok.kind == "name":
            if tok.text in ("true", "false", "null"):
                return tok.text, _ATOM
            if tok.text in _UNSUPPORTED_WORDS:
                raise self._error(f"the '{tok.text}' operator is not supported")
            if self._peek().kind == "op" and self._peek().text in ("(", ":"):
                raise self._error(f"function call '{tok.text}(...)' is not supported")
            if tok.text in _CONTEXT_OBJECTS:
                raise self._error(f"the Camunda 7 object '{tok.text}' is not supported")
            return self._name(tok.text), _ATOM
        raise self._error(f"unexpected {tok.text or 'end'!r}")


def _unquote(literal: str) -> str:
    body = literal[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def _feel_number(text: str) -> str:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the tokenizer only yields numbers
        raise JuelError(f"bad number {text!r}") from exc
    return format(value, "f")
