"""FEEL tokenizer that knows the names in scope.

FEEL names may contain spaces and operator characters (`Monthly Salary`, `a-b`), so
`a-b` is one name when `a-b` is in scope and a subtraction otherwise. The lexer takes the
longest known name that starts at a word boundary; everything else is lexed as keywords,
literals, operators and single-word NAME tokens (the grammar joins consecutive NAMEs).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from regista.feel.errors import FeelSyntaxError

KEYWORDS = {
    "true": "TRUE",
    "false": "FALSE",
    "null": "NULL",
    "function": "FUNCTION",
    "external": "EXTERNAL",
    "for": "FOR",
    "return": "RETURN",
    "in": "IN",
    "if": "IF",
    "then": "THEN",
    "else": "ELSE",
    "some": "SOME",
    "every": "EVERY",
    "satisfies": "SATISFIES",
    "and": "AND",
    "or": "OR",
    "between": "BETWEEN",
}

# Built-in names that contain keywords, so the single-word lexing would split them.
ALWAYS_KNOWN = ("date and time", "years and months duration", "days and time duration")

_PUNCT = [
    ("..", "DOTDOT"),
    ("**", "POW"),
    ("!=", "NE"),
    ("<=", "LE"),
    (">=", "GE"),
    ("->", "ARROW"),
    (".", "DOT"),
    (",", "COMMA"),
    ("(", "LPAR"),
    (")", "RPAR"),
    ("[", "LSQB"),
    ("]", "RSQB"),
    ("{", "LBRACE"),
    ("}", "RBRACE"),
    (":", "COLON"),
    ("=", "EQ"),
    ("<", "LT"),
    (">", "GT"),
    ("+", "PLUS"),
    ("-", "MINUS"),
    ("*", "STAR"),
    ("/", "SLASH"),
    ("@", "AT"),
]

_WS = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)+", re.S)
_NUMBER = re.compile(r"(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"(?:[^\W\d]|[\U00010000-\U000EFFFF]|\?)(?:[\w?']|[\U00010000-\U000EFFFF])*")
# A context key with spaces or operator characters: `{foo+bar: 1}`, `{a b: 1}`.
_KEY = re.compile(r"([^\s:\"{}\[\](),.\d][^:\"{}\[\](),]*?)\s*:(?!:)")
_EMPTY_LIST = re.compile(r"\[\s*\]")
# What may follow a `[` that closes a range (`[1..10[`), as opposed to opening a filter.
_AFTER_CLOSING = re.compile(r"\s*(?:$|[.,)\]}=!<>:]|(?:and|or|then|else|return|satisfies)\b)")
_INSTANCE_OF = re.compile(r"instance\s+of(?![\w?])")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{6}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\"}
_NAME_CHAR = re.compile(r"[\w?]")


@dataclass(slots=True)
class Token:
    """One lexical token: type, value (a decoded string for STRING), and its position."""

    type: str
    value: str
    pos: int
    line: int
    column: int


class _BadEscape(ValueError):
    """An escape in a string literal that names no character (a lone surrogate, a code
    point past U+10FFFF); `offset` is its position within the literal's body."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def _unescape(body: str) -> str:
    def repl(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc[0] in "uU" and len(esc) > 1:
            code = int(esc[1:], 16)
            if code > 0x10FFFF:
                raise _BadEscape(
                    f"escape \\{esc} is past the last Unicode code point U+10FFFF", m.start()
                )
            return chr(code)
        return _SIMPLE_ESCAPES.get(esc, "\\" + esc)

    text = _ESCAPE.sub(repl, body)
    # Surrogate pairs written as two \u escapes form one code point.
    try:
        return text.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        lone = next(
            (m for m in _ESCAPE.finditer(body) if _is_lone_surrogate(body, m)),
            None,
        )
        raise _BadEscape(
            "a lone surrogate (U+D800..U+DFFF) is not a character: write the character "
            "itself, or a high surrogate escape followed by a low one (\\ud83d\\ude00)",
            0 if lone is None else lone.start(),
        ) from None


def _is_lone_surrogate(body: str, m: re.Match[str]) -> bool:
    """Whether the escape `m` yields a surrogate not paired with its neighbour escape."""
    esc = m.group(1)
    if esc[0] not in "uU" or len(esc) == 1:
        return False
    code = int(esc[1:], 16)
    if not 0xD800 <= code <= 0xDFFF:
        return False
    if code <= 0xDBFF:
        nxt = _ESCAPE.match(body, m.end())
        if nxt is not None and nxt.group(1)[0] == "u" and len(nxt.group(1)) == 5:
            return not 0xDC00 <= int(nxt.group(1)[1:], 16) <= 0xDFFF
        return True
    start = m.start()
    prev = _ESCAPE.match(body, start - 6) if start >= 6 else None
    if prev is not None and prev.end() == start and len(prev.group(1)) == 5:
        return not 0xD800 <= int(prev.group(1)[1:], 16) <= 0xDBFF
    return True


def special_names(names: Iterable[str]) -> tuple[str, ...]:
    """The names that the plain word lexing would split: those with spaces or operators."""
    out = {n for n in names if n and not _is_plain(n)}
    return tuple(sorted(out, key=len, reverse=True))


def _is_plain(name: str) -> bool:
    m = _WORD.fullmatch(name)
    return m is not None and name not in KEYWORDS and "'" not in name


class NameTable:
    """Known special names indexed by first character for the longest-match lookup."""

    def __init__(self, names: Iterable[str]) -> None:
        self.by_first: dict[str, list[str]] = {}
        for n in sorted({*names, *ALWAYS_KNOWN}, key=len, reverse=True):
            self.by_first.setdefault(n[0], []).append(n)

    def add(self, name: str) -> None:
        """Learn a name defined inside the expression (a context key)."""
        names = self.by_first.setdefault(name[0], [])
        if name not in names:
            names.append(name)
            names.sort(key=len, reverse=True)

    def match(self, text: str, pos: int) -> str | None:
        found = self.find(text, pos)
        return None if found is None else found[0]

    def find(self, text: str, pos: int) -> tuple[str, int] | None:
        """The longest known name at `pos` and where it ends; the words of a name with
        spaces may be separated by any whitespace (`date and\n time`)."""
        for name in self.by_first.get(text[pos], ()):
            if text.startswith(name, pos):
                end = pos + len(name)
            elif " " in name and text.startswith(name[: name.index(" ")], pos):
                m = _spaced(name).match(text, pos)
                if m is None:
                    continue
                end = m.end()
            else:
                continue
            # A name ends at a word boundary: `ab` in scope must not eat `abc`.
            if end < len(text) and _NAME_CHAR.match(text[end]) and _NAME_CHAR.match(name[-1]):
                continue
            return name, end
        return None


@lru_cache(maxsize=1024)
def _spaced(name: str) -> re.Pattern[str]:
    return re.compile(r"\s+".join(re.escape(word) for word in name.split()))


def tokenize(text: str, names: NameTable) -> Iterator[Token]:
    """Yield the tokens of `text`; raise FeelSyntaxError at the first character that no
    token matches."""
    pos = 0
    line = 1
    line_start = 0
    n = len(text)
    prev: str | None = None
    # Open brackets, and for each the position of the last `..` inside it (range syntax).
    stack: list[str] = []
    range_open: list[bool] = []
    while pos < n:
        m = _WS.match(text, pos)
        if m:
            chunk = m.group(0)
            nl = chunk.count("\n")
            if nl:
                line += nl
                line_start = pos + chunk.rfind("\n") + 1
            pos = m.end()
            continue
        col = pos - line_start + 1
        ch = text[pos]
        key = None
        if stack and stack[-1] == "{" and prev in ("LBRACE", "COMMA"):
            key = _KEY.match(text, pos)
        if key is not None and not _is_plain(key.group(1).strip()):
            name = key.group(1).strip()
            if name not in KEYWORDS:
                names.add(name)
                tok = Token("NAME", name, pos, line, col)
                pos += len(name)
                prev = tok.type
                yield tok
                continue
        if ch == "[" and _EMPTY_LIST.match(text, pos):
            m = _EMPTY_LIST.match(text, pos)
            assert m is not None
            tok = Token("EMPTY_LIST", m.group(0), pos, line, col)
            pos = m.end()
            prev = tok.type
            yield tok
            continue
        if ch == "[" and range_open and range_open[-1] and _AFTER_CLOSING.match(text, pos + 1):
            tok = Token("LSQB_CLOSE", "[", pos, line, col)
            pos += 1
            stack.pop()
            range_open.pop()
            prev = tok.type
            yield tok
            continue
        if ch == '"':
            m = _STRING.match(text, pos)
            if not m:
                raise FeelSyntaxError("unterminated string literal", text, line, col)
            try:
                value = _unescape(m.group(0)[1:-1])
            except _BadEscape as bad:
                # The literal's body starts one character after the opening quote.
                at = pos + 1 + bad.offset
                at_line = text.count("\n", 0, at) + 1
                at_col = at - (text.rfind("\n", 0, at) + 1) + 1
                raise FeelSyntaxError(bad.message, text, at_line, at_col) from None
            tok = Token("STRING", value, pos, line, col)
            pos = m.end()
        elif ch.isdecimal() or (
            ch == "."
            and pos + 1 < n
            and text[pos + 1].isdecimal()
            and prev not in ("NAME", "RPAR", "RSQB", "RBRACE", "STRING")
        ):
            m = _NUMBER.match(text, pos)
            assert m is not None
            tok = Token("NUMBER", m.group(0), pos, line, col)
            pos = m.end()
        else:
            known = names.find(text, pos)
            if known is not None:
                tok = Token("NAME", known[0], pos, line, col)
                spanned = text.count("\n", pos, known[1])
                if spanned:
                    line += spanned
                    line_start = text.rfind("\n", pos, known[1]) + 1
                pos = known[1]
            else:
                m = _WORD.match(text, pos)
                if m:
                    word = m.group(0)
                    if word == "instance":
                        mi = _INSTANCE_OF.match(text, pos)
                        if mi:
                            tok = Token("INSTANCE_OF", mi.group(0), pos, line, col)
                            pos = mi.end()
                            prev = tok.type
                            yield tok
                            continue
                    if word == "?":
                        tok = Token("QMARK", word, pos, line, col)
                    else:
                        tok = Token(KEYWORDS.get(word, "NAME"), word, pos, line, col)
                    pos = m.end()
                else:
                    for sym, typ in _PUNCT:
                        if text.startswith(sym, pos):
                            tok = Token(typ, sym, pos, line, col)
                            pos += len(sym)
                            break
                    else:
                        raise FeelSyntaxError(f"unexpected character {ch!r}", text, line, col)
        if tok.type in ("LPAR", "LSQB", "LBRACE") or (tok.type == "RSQB" and prev in _BEFORE_VALUE):
            # `]` where a value is expected opens a range: `]1..10]`.
            stack.append(tok.value if tok.type != "RSQB" else "[")
            range_open.append(False)
        elif tok.type in ("RPAR", "RSQB", "RBRACE"):
            if stack:
                stack.pop()
                range_open.pop()
        elif tok.type == "DOTDOT" and range_open:
            range_open[-1] = True
        prev = tok.type
        yield tok


# Token types after which a value (not an operator) is expected.
_BEFORE_VALUE = {
    None,
    "LPAR",
    "LSQB",
    "LBRACE",
    "COMMA",
    "COLON",
    "EQ",
    "NE",
    "LT",
    "LE",
    "GT",
    "GE",
    "PLUS",
    "MINUS",
    "STAR",
    "SLASH",
    "POW",
    "IN",
    "AND",
    "OR",
    "THEN",
    "ELSE",
    "RETURN",
    "IF",
    "SATISFIES",
    "BETWEEN",
    "DOTDOT",
}
