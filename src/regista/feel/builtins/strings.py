"""String built-ins (DMN 1.5 §10.3.4.3), including the regular-expression functions.

Strings are Python `str`, so positions and lengths count Unicode code points, never UTF-16
units. `matches`, `replace` and `split` take XML Schema / XPath 3.1 regular expressions
(F&O §5.6), which differ from Python's: `.` excludes CR, `$` matches only at the very end,
`\\w`, `\\s`, `\\i`, `\\c`, `\\p{IsBlock}` and class subtraction `[a-z-[aeiou]]` have XPath
meanings, and Python-only syntax (lookarounds, `(?i)`, `\\b`, ...) is invalid. So patterns
are translated to Python `re` syntax by a small parser that also rejects invalid ones.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from regista.feel.builtins.conversion import (
    integer_arg,
    list_arg,
    registrar,
    string_arg,
    type_error,
)
from regista.feel.values import FeelEvalError, FeelFunction

STRING_BUILTINS: dict[str, FeelFunction] = {}
_builtin = registrar(STRING_BUILTINS)


# ---------------------------------------------------------------- plain string functions


@_builtin("substring", ("string", "start position"), ("string", "start position", "length"))
def substring(string: Any, start: Any, length: Any = None) -> str:
    """Code points from a 1-based start position (negative counts from the end)."""
    text = string_arg(string, "string")
    first = integer_arg(start, "start position")
    size = len(text)
    if first > 0 and first <= size:
        index = first - 1
    elif first < 0 and -first <= size:
        index = size + first
    else:
        raise FeelEvalError(f"'start position' {first} is out of range for a length of {size}")
    if length is None:
        return text[index:]
    count = integer_arg(length, "length")
    if count < 0:
        raise FeelEvalError(f"'length' must not be negative, got {count}")
    return text[index : index + count]


@_builtin("string length", ("string",))
def string_length(string: Any) -> Decimal:
    return Decimal(len(string_arg(string, "string")))


@_builtin("upper case", ("string",))
def upper_case(string: Any) -> str:
    return string_arg(string, "string").upper()


@_builtin("lower case", ("string",))
def lower_case(string: Any) -> str:
    return string_arg(string, "string").lower()


@_builtin("substring before", ("string", "match"))
def substring_before(string: Any, match: Any) -> str:
    """The text before the first occurrence of `match`; "" when there is none."""
    text, sub = string_arg(string, "string"), string_arg(match, "match")
    index = text.find(sub)
    return "" if index < 0 else text[:index]


@_builtin("substring after", ("string", "match"))
def substring_after(string: Any, match: Any) -> str:
    """The text after the first occurrence of `match`; "" when there is none."""
    text, sub = string_arg(string, "string"), string_arg(match, "match")
    index = text.find(sub)
    return "" if index < 0 else text[index + len(sub) :]


@_builtin("contains", ("string", "match"))
def contains(string: Any, match: Any) -> bool:
    return string_arg(match, "match") in string_arg(string, "string")


@_builtin("starts with", ("string", "match"))
def starts_with(string: Any, match: Any) -> bool:
    return string_arg(string, "string").startswith(string_arg(match, "match"))


@_builtin("ends with", ("string", "match"))
def ends_with(string: Any, match: Any) -> bool:
    return string_arg(string, "string").endswith(string_arg(match, "match"))


@_builtin("string join", ("list",), ("list", "delimiter"))
def string_join(list_: Any, delimiter: Any = None) -> str:
    """Join strings with an optional delimiter; null items are skipped."""
    items = list_arg(list_, "list")
    sep = "" if delimiter is None else string_arg(delimiter, "delimiter")
    for item in items:
        if item is not None and not isinstance(item, str):
            raise type_error("list", "a list of strings", item)
    return sep.join(item for item in items if item is not None)


# ---------------------------------------------------------------- regular expressions


@_builtin("matches", ("input", "pattern"), ("input", "pattern", "flags"))
def matches(input_: Any, pattern: Any, flags: Any = None) -> bool:
    """Whether the XPath regular expression matches somewhere in the input."""
    text = string_arg(input_, "input")
    return _regex(pattern, flags).search(text) is not None


@_builtin(
    "replace",
    ("input", "pattern", "replacement"),
    ("input", "pattern", "replacement", "flags"),
)
def replace(input_: Any, pattern: Any, replacement: Any, flags: Any = None) -> str:
    """Replace every match; `$N` in the replacement is the Nth group, `$0` the match."""
    text = string_arg(input_, "input")
    compiled = _regex(pattern, flags)
    template = string_arg(replacement, "replacement")
    # With the q flag the replacement is literal too: "$" and backslash mean themselves.
    literal = isinstance(flags, str) and "q" in flags
    parts: list[str | int] = [template] if literal else _replacement(template, compiled.groups)
    _reject_empty_match(compiled)

    def substitute(m: re.Match[str]) -> str:
        return "".join(p if isinstance(p, str) else (m.group(p) or "") for p in parts)

    return compiled.sub(substitute, text)


@_builtin("split", ("string", "delimiter"))
def split(string: Any, delimiter: Any) -> list[Any]:
    """Split at each match of the delimiter pattern, as XPath `fn:tokenize` does."""
    text = string_arg(string, "string")
    compiled = _regex(delimiter, None, "delimiter")
    _reject_empty_match(compiled)
    if not text:
        return []
    out: list[Any] = []
    last = 0
    for m in compiled.finditer(text):
        out.append(text[last : m.start()])
        last = m.end()
    out.append(text[last:])
    return out


def _reject_empty_match(compiled: re.Pattern[str]) -> None:
    # XPath forbids patterns that match "" in replace and tokenize (err:FORX0003): the
    # result would depend on how an engine steps past empty matches.
    if compiled.search("") is not None:
        raise FeelEvalError("the pattern matches an empty string")


def _regex(pattern: Any, flags: Any, param: str = "pattern") -> re.Pattern[str]:
    source = string_arg(pattern, param)
    options = "" if flags is None else string_arg(flags, "flags")
    bad = set(options) - set("smixq")
    if bad:
        raise FeelEvalError(f"unknown regular expression flags {''.join(sorted(bad))!r}")
    return _compile(source, "".join(sorted(set(options))))


@lru_cache(maxsize=512)
def _compile(pattern: str, flags: str) -> re.Pattern[str]:
    if "q" in flags:
        python = re.escape(pattern)
    else:
        if "x" in flags:
            pattern = _strip_whitespace(pattern)
        python = _Translator(pattern, dotall="s" in flags, multiline="m" in flags).translate()
    try:
        return re.compile(python, re.IGNORECASE if "i" in flags else 0)
    except (re.error, OverflowError, RecursionError) as e:
        raise FeelEvalError(f"invalid regular expression {pattern!r}: {e}") from None


def _replacement(text: str, groups: int) -> list[str | int]:
    """Split a replacement into literal text and group numbers (F&O `fn:replace` rules)."""
    parts: list[str | int] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 < len(text) and text[i + 1] in "\\$":
                literal.append(text[i + 1])
                i += 2
                continue
            raise FeelEvalError("in a replacement, '\\' must be followed by '\\' or '$'")
        if c != "$":
            literal.append(c)
            i += 1
            continue
        j = i + 1
        while j < len(text) and text[j] in "0123456789":
            j += 1
        if j == i + 1:
            raise FeelEvalError("in a replacement, '$' must be followed by a digit")
        digits = text[i + 1 : j]
        # "$12" with fewer than 12 groups is group 1 followed by a literal "2".
        k = len(digits)
        while k > 1 and int(digits[:k]) > groups:
            k -= 1
        group = int(digits[:k])
        parts.append("".join(literal))
        literal = list(digits[k:])
        if group <= groups:
            parts.append(group)
        i = j
    parts.append("".join(literal))
    return [p for p in parts if p != ""]


def _strip_whitespace(pattern: str) -> str:
    """The `x` flag: drop whitespace except inside character class expressions."""
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if depth == 0 and c in _XML_SPACE:
            i += 1
            continue
        out.append(c)
        i += 1
        if c == "\\":
            if depth == 0:  # "\ s" becomes "\s"
                while i < len(pattern) and pattern[i] in _XML_SPACE:
                    i += 1
            if i < len(pattern):
                out.append(pattern[i])
                i += 1
        elif c == "[":
            depth += 1
        elif c == "]" and depth:
            depth -= 1
    return "".join(out)


# ---------------------------------------------------------------- the translator

Ranges = tuple[tuple[int, int], ...]

_MAX_CODE_POINT = 0x10FFFF
_XML_SPACE = " \t\n\r"
_SINGLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t"} | {c: c for c in "\\|.?*+{}()[]-^$"}
_CATEGORIES = frozenset((
    "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No",
    "P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Z", "Zs", "Zl", "Zp",
    "S", "Sm", "Sc", "Sk", "So", "C", "Cc", "Cf", "Co", "Cn", "Cs",
))  # fmt: skip
_SPACE: Ranges = ((0x9, 0xA), (0xD, 0xD), (0x20, 0x20))
# XML 1.0 (5th edition) NameStartChar and the extra NameChar characters, for \i and \c.
_NAME_START: Ranges = (
    (0x3A, 0x3A), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A), (0xC0, 0xD6), (0xD8, 0xF6),
    (0xF8, 0x2FF), (0x370, 0x37D), (0x37F, 0x1FFF), (0x200C, 0x200D), (0x2070, 0x218F),
    (0x2C00, 0x2FEF), (0x3001, 0xD7FF), (0xF900, 0xFDCF), (0xFDF0, 0xFFFD), (0x10000, 0xEFFFF),
)  # fmt: skip
_NAME: Ranges = (
    *_NAME_START, (0x2D, 0x2E), (0x30, 0x39), (0xB7, 0xB7), (0x300, 0x36F), (0x203F, 0x2040),
)  # fmt: skip
# The Unicode blocks XML Schema names with \p{IsName} (block names without spaces).
_BLOCKS = """
0000 007F BasicLatin|0080 00FF Latin-1Supplement|0100 017F LatinExtended-A
0180 024F LatinExtended-B|0250 02AF IPAExtensions|02B0 02FF SpacingModifierLetters
0300 036F CombiningDiacriticalMarks|0370 03FF Greek|0370 03FF GreekandCoptic|0400 04FF Cyrillic
0530 058F Armenian|0590 05FF Hebrew|0600 06FF Arabic|0700 074F Syriac|0780 07BF Thaana
0900 097F Devanagari|0980 09FF Bengali|0A00 0A7F Gurmukhi|0A80 0AFF Gujarati|0B00 0B7F Oriya
0B80 0BFF Tamil|0C00 0C7F Telugu|0C80 0CFF Kannada|0D00 0D7F Malayalam|0D80 0DFF Sinhala
0E00 0E7F Thai|0E80 0EFF Lao|0F00 0FFF Tibetan|1000 109F Myanmar|10A0 10FF Georgian
1100 11FF HangulJamo|1200 137F Ethiopic|13A0 13FF Cherokee
1400 167F UnifiedCanadianAboriginalSyllabics|1680 169F Ogham|16A0 16FF Runic|1780 17FF Khmer
1800 18AF Mongolian|1E00 1EFF LatinExtendedAdditional|1F00 1FFF GreekExtended
2000 206F GeneralPunctuation|2070 209F SuperscriptsandSubscripts|20A0 20CF CurrencySymbols
20D0 20FF CombiningMarksforSymbols|2100 214F LetterlikeSymbols|2150 218F NumberForms
2190 21FF Arrows|2200 22FF MathematicalOperators|2300 23FF MiscellaneousTechnical
2400 243F ControlPictures|2440 245F OpticalCharacterRecognition|2460 24FF EnclosedAlphanumerics
2500 257F BoxDrawing|2580 259F BlockElements|25A0 25FF GeometricShapes
2600 26FF MiscellaneousSymbols|2700 27BF Dingbats|2800 28FF BraillePatterns
2E80 2EFF CJKRadicalsSupplement|2F00 2FDF KangxiRadicals|2FF0 2FFF IdeographicDescriptionCharacters
3000 303F CJKSymbolsandPunctuation|3040 309F Hiragana|30A0 30FF Katakana|3100 312F Bopomofo
3130 318F HangulCompatibilityJamo|3190 319F Kanbun|31A0 31BF BopomofoExtended
3200 32FF EnclosedCJKLettersandMonths|3300 33FF CJKCompatibility
3400 4DB5 CJKUnifiedIdeographsExtensionA|4E00 9FFF CJKUnifiedIdeographs|A000 A48F YiSyllables
A490 A4CF YiRadicals|AC00 D7A3 HangulSyllables|D800 DB7F HighSurrogates
DB80 DBFF HighPrivateUseSurrogates|DC00 DFFF LowSurrogates|E000 F8FF PrivateUse
F900 FAFF CJKCompatibilityIdeographs|FB00 FB4F AlphabeticPresentationForms
FB50 FDFF ArabicPresentationForms-A|FE20 FE2F CombiningHalfMarks|FE30 FE4F CJKCompatibilityForms
FE50 FE6F SmallFormVariants|FE70 FEFE ArabicPresentationForms-B|FEFF FEFF Specials
FF00 FFEF HalfwidthandFullwidthForms|FFF0 FFFD Specials|10300 1032F OldItalic|10330 1034F Gothic
10400 1044F Deseret|1D000 1D0FF ByzantineMusicalSymbols|1D100 1D1FF MusicalSymbols
1D400 1D7FF MathematicalAlphanumericSymbols|20000 2A6D6 CJKUnifiedIdeographsExtensionB
2F800 2FA1F CJKCompatibilityIdeographsSupplement|E0000 E007F Tags|F0000 10FFFD PrivateUse
"""


@cache
def _blocks() -> dict[str, Ranges]:
    out: dict[str, list[tuple[int, int]]] = {}
    for entry in _BLOCKS.replace("\n", "|").split("|"):
        if entry.strip():
            lo, hi, name = entry.split()
            out.setdefault(_loose(name), []).append((int(lo, 16), int(hi, 16)))
    return {k: tuple(v) for k, v in out.items()}


def _loose(name: str) -> str:
    # Unicode's loose matching of property values: ignore case, spaces, '-' and '_'.
    return re.sub(r"[\s_-]", "", name).lower()


@cache
def _categories() -> dict[str, Ranges]:
    """Code point runs of every two-letter general category (computed once, ~0.2 s)."""
    runs: dict[str, list[tuple[int, int]]] = {}
    category = unicodedata.category
    start, current = 0, category("\0")
    for cp in range(1, _MAX_CODE_POINT + 2):
        cat = category(chr(cp)) if cp <= _MAX_CODE_POINT else ""
        if cat != current:
            runs.setdefault(current, []).append((start, cp - 1))
            start, current = cp, cat
    return {k: tuple(v) for k, v in runs.items()}


def _category(name: str) -> Ranges:
    cats = _categories()
    return _merge(r for cat, ranges in cats.items() if cat.startswith(name) for r in ranges)


def _merge(ranges: Any) -> Ranges:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return tuple(out)


def _complement(ranges: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    nxt = 0
    for lo, hi in _merge(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= _MAX_CODE_POINT:
        out.append((nxt, _MAX_CODE_POINT))
    return tuple(out)


@cache
def _word() -> Ranges:
    # XSD \w: every character except punctuation, separators and "other" (P, Z, C).
    return _complement(_category("P") + _category("Z") + _category("C"))


def _char(cp: int) -> str:
    """A code point as it may stand in a Python character class or pattern."""
    if cp < 0x80 and chr(cp).isalnum():
        return chr(cp)
    return f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}"


def _class_body(ranges: Ranges) -> str:
    return "".join(_char(lo) if lo == hi else f"{_char(lo)}-{_char(hi)}" for lo, hi in ranges)


class _Translator:
    """Recursive-descent translation of an XPath regular expression to Python syntax.

    Anchors and `.` are spelled out (`\\A`, `\\Z`, `[^\\n\\r]`), so the result needs no
    MULTILINE or DOTALL flag, and capturing groups keep their numbers.
    """

    def __init__(self, pattern: str, dotall: bool, multiline: bool) -> None:
        self.p = pattern
        self.i = 0
        self.dotall = dotall
        self.multiline = multiline
        self.opened = 0
        self.closed: set[int] = set()

    def error(self, message: str) -> FeelEvalError:
        return FeelEvalError(f"invalid regular expression {self.p!r} at {self.i}: {message}")

    def peek(self, offset: int = 0) -> str | None:
        j = self.i + offset
        return self.p[j] if j < len(self.p) else None

    def take(self) -> str:
        if self.i >= len(self.p):
            raise self.error("unexpected end")
        c = self.p[self.i]
        self.i += 1
        return c

    def translate(self) -> str:
        out = self.regexp()
        if self.i < len(self.p):
            raise self.error(f"unbalanced {self.p[self.i]!r}")
        return out

    def regexp(self) -> str:
        branches = [self.branch()]
        while self.peek() == "|":
            self.take()
            branches.append(self.branch())
        return "|".join(branches)

    def branch(self) -> str:
        pieces: list[str] = []
        while (c := self.peek()) is not None and c not in "|)":
            pieces.append(self.atom() + self.quantifier())
        return "".join(pieces)

    def quantifier(self) -> str:
        c = self.peek()
        if c is None or c not in "?*+{":
            return ""
        self.take()
        q = c
        if c == "{":
            low = self.digits()
            if low == "":
                raise self.error("a quantifier {n,m} needs a minimum")
            q = "{" + low
            if self.peek() == ",":
                self.take()
                high = self.digits()
                if high and int(high) < int(low):
                    raise self.error(f"quantifier {{{low},{high}}} has max < min")
                q += "," + high
            if self.take() != "}":
                raise self.error("unterminated quantifier")
            q += "}"
        if self.peek() == "?":  # reluctant
            q += self.take()
        return q

    def digits(self) -> str:
        start = self.i
        while (c := self.peek()) is not None and c in "0123456789":
            self.i += 1
        return self.p[start : self.i]

    def atom(self) -> str:
        c = self.take()
        if c == "(":
            return self.group()
        if c == "[":
            return self.char_class()
        if c == ".":
            return "(?s:.)" if self.dotall else "[^\\n\\r]"
        if c == "^":
            # In multi-line mode ^ also matches after a newline, but not after a final one.
            return "(?:\\A|(?<=\\n)(?!\\Z))" if self.multiline else "\\A"
        if c == "$":
            return "(?=\\n|\\Z)" if self.multiline else "\\Z"
        if c == "\\":
            return self.escape()
        if c in "?*+{":
            raise self.error(f"quantifier {c!r} follows nothing")
        if c in "]}":
            raise self.error(f"{c!r} must be escaped")
        return re.escape(c)

    def group(self) -> str:
        capturing = True
        if self.peek() == "?":
            if self.peek(1) != ":":
                raise self.error("only (?: ...) groups are allowed")
            self.i += 2
            capturing = False
        number = 0
        if capturing:
            self.opened += 1
            number = self.opened
        inner = self.regexp()
        if self.peek() != ")":
            raise self.error("unclosed group")
        self.take()
        if not capturing:
            return f"(?:{inner})"
        self.closed.add(number)
        return f"({inner})"

    def escape(self) -> str:
        c = self.take()
        if c in "123456789":
            # \N is a back-reference; further digits belong to it while such a group exists.
            number = int(c)
            while (d := self.peek()) is not None and d in "0123456789":
                if number * 10 + int(d) > self.opened:
                    break
                number = number * 10 + int(self.take())
            if number not in self.closed:
                raise self.error(f"back-reference \\{number} to a group not closed before it")
            return f"(?:\\{number})"
        if c in _SINGLE_ESCAPES:
            return re.escape(_SINGLE_ESCAPES[c])
        return "[" + self.multi_escape(c) + "]"

    def multi_escape(self, c: str) -> str:
        """The class body of a multi-character escape such as \\d or \\p{Lu}."""
        if c in "dD":
            return "\\" + c  # Python's \d is exactly \p{Nd} on str patterns
        if c in "sS":
            ranges = _SPACE
        elif c in "wW":
            ranges = _word()
        elif c in "iI":
            ranges = _NAME_START
        elif c in "cC":
            ranges = _NAME
        elif c in "pP":
            ranges = self.property()
        else:
            raise self.error(f"unknown escape \\{c}")
        return _class_body(_complement(ranges) if c.isupper() else ranges)

    def property(self) -> Ranges:
        if self.take() != "{":
            raise self.error("\\p must be followed by {name}")
        end = self.p.find("}", self.i)
        if end < 0:
            raise self.error("unterminated \\p{")
        name = self.p[self.i : end]
        self.i = end + 1
        if name in _CATEGORIES:
            return _category(name)
        if name.startswith("Is"):
            block = _blocks().get(_loose(name[2:]))
            if block is not None:
                return block
        raise self.error(f"unknown character property {name!r}")

    def char_class(self) -> str:
        """A character class after its '['; subtraction becomes a negative lookahead."""
        negated = self.peek() == "^"
        if negated:
            self.take()
        body: list[str] = []
        subtract: str | None = None
        while True:
            c = self.peek()
            if c is None:
                raise self.error("unterminated character class")
            if c == "]" and body:
                self.take()
                break
            if c == "-" and self.peek(1) == "[" and body:
                self.i += 2
                subtract = self.char_class()
                if self.take() != "]":
                    raise self.error("a class subtraction must end its class")
                break
            if c == "-" and body and self.peek(1) != "]":
                raise self.error("'-' inside a character class must be escaped")
            low = self.class_char()
            if isinstance(low, int) and self.peek() == "-" and self.peek(1) not in ("[", "]"):
                self.take()
                high = self.class_char()
                if not isinstance(high, int) or high < low:
                    raise self.error("invalid character range")
                body.append(f"{_char(low)}-{_char(high)}")
            else:
                body.append(_char(low) if isinstance(low, int) else low)
        if not "".join(body):
            raise self.error("empty character class")
        base = f"[{'^' if negated else ''}{''.join(body)}]"
        return base if subtract is None else f"(?:(?!{subtract}){base})"

    def class_char(self) -> int | str:
        """One code point, or the code points of a multi-character escape."""
        c = self.take()
        if c == "[":
            raise self.error("'[' inside a character class must be escaped")
        if c != "\\":
            return ord(c)
        e = self.take()
        if e in _SINGLE_ESCAPES:
            return ord(_SINGLE_ESCAPES[e])
        if e in "0123456789":
            raise self.error("back-references are not allowed in a character class")
        return self.multi_escape(e)
