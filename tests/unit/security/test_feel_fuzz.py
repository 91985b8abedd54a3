"""FEEL never raises anything but its documented errors: random token sequences built from
the grammar's own tokens, and random Unicode text (lone surrogates and non-ASCII digits
included), fed to the lexer, the parser, the compiler and the evaluator. The only outcomes
allowed are tokens, a tree, a compiled expression, a value (with warnings), a
`FeelSyntaxError` with a position, or `FeelBudgetExceeded` when a budget is given."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regista import feel
from regista.feel.errors import FeelBudgetExceeded, FeelSyntaxError
from regista.feel.lexer import _PUNCT, KEYWORDS, NameTable, tokenize
from regista.feel.parser import parse
from regista.feel.scope import Budget, Scope

# Modest and deterministic, so that CI stays fast and a failure reproduces exactly.
FUZZ = settings(max_examples=300, deadline=None, derandomize=True)

NAMES = ["x", "y", "Monthly Salary", "a-b"]
CONTEXT: dict[str, Any] = {"x": 1, "y": [1, 2, 3], "Monthly Salary": 10, "a-b": {"c": 2}}

# The grammar's tokens: every keyword and punctuation mark, and literals of each kind.
_LITERALS = [
    "0",
    "1",
    "3",
    "0.5",
    ".5",
    "1e3",
    '"a"',
    '""',
    '"\\n"',
    '"\\u00e9"',
    '"\\ud83d\\ude00"',
    '"\\ud800"',
    '"\\udc00"',
    '"\\U110000"',
    '"\\U01F600"',
    '"',
    '@"2024-01-01"',
    '@"P1D"',
    "x",
    "y",
    "Monthly Salary",
    "a-b",
    "?",
    "instance of",
    "not",
    "date",
    "date and time",
    "count",
    "sum",
    "²",
    "١",
    "٣",
    "½",
    "//",
    "/*",
    "*/",
]
TOKENS = [*KEYWORDS, *(sym for sym, _ in _PUNCT), *_LITERALS]
token_soup = st.lists(st.sampled_from(TOKENS), max_size=30).map(" ".join)
# Joined without spaces too, so tokens run into each other (`1..x`, `"a"."b"`).
tight_soup = st.lists(st.sampled_from(TOKENS), max_size=20).map("".join)
# Any code point, lone surrogates (category Cs) and unassigned ones included.
unicode_text = st.text(st.characters(codec=None, categories=None), max_size=60)
anything = token_soup | tight_soup | unicode_text


def _lex(text: str) -> None:
    try:
        tokens = list(tokenize(text, NameTable(NAMES)))
    except FeelSyntaxError as error:
        assert error.line >= 1 and error.column >= 1
        return
    for token in tokens:
        assert token.line >= 1 and token.column >= 1


def _parse(text: str, start: str) -> None:
    try:
        parse(text, NameTable(NAMES), start)
    except FeelSyntaxError as error:
        assert error.line >= 1 and error.column >= 1


def _evaluate(text: str) -> None:
    try:
        expression = feel.compile(text, NAMES)
    except FeelSyntaxError as error:
        assert error.line >= 1 and error.column >= 1
        return
    warnings: list[str] = []
    expression.evaluate(CONTEXT, warnings)
    assert all(isinstance(w, str) for w in warnings)
    # With a budget, running out is the one more documented outcome.
    try:
        expression.evaluate(Scope(Scope.of(CONTEXT).vars, budget=Budget(200)))
    except FeelBudgetExceeded as exceeded:
        assert exceeded.limit == 200


def _test(text: str) -> None:
    try:
        tests = feel.compile_unary_tests(text, NAMES)
    except FeelSyntaxError as error:
        assert error.line >= 1 and error.column >= 1
        return
    assert tests.test(1, CONTEXT) in (True, False, None)
    assert tests.test("a", CONTEXT) in (True, False, None)


@FUZZ
@given(anything)
def test_lexer_yields_tokens_or_a_positioned_syntax_error(text: str) -> None:
    _lex(text)


@FUZZ
@given(anything)
def test_parser_yields_a_tree_or_a_positioned_syntax_error(text: str) -> None:
    _parse(text, "start")
    _parse(text, "unary_tests")


@FUZZ
@given(anything)
def test_compiler_and_evaluator_raise_only_documented_errors(text: str) -> None:
    _evaluate(text)


@FUZZ
@given(anything)
def test_unary_tests_compile_and_test_raising_only_documented_errors(text: str) -> None:
    _test(text)


@pytest.mark.parametrize(
    ("text", "column"),
    [('"\\ud800"', 2), ('"ab\\udc00"', 4), ('"\\U00d800"', 2), ('"\\U110000"', 2)],
)
def test_a_string_escape_naming_no_character_is_a_syntax_error_at_the_escape(
    text: str, column: int
) -> None:
    with pytest.raises(FeelSyntaxError) as raised:
        feel.compile(text)
    assert raised.value.column == column
    assert raised.value.line == 1


def test_a_surrogate_pair_written_as_two_escapes_is_one_character() -> None:
    assert feel.evaluate('"\\ud83d\\ude00"') == "\U0001f600"


@pytest.mark.parametrize("text", ["3 * ²", "²", "x²"])
def test_a_non_ascii_digit_symbol_is_a_name_not_a_crash(text: str) -> None:
    warnings: list[str] = []
    assert feel.evaluate(text, {}, warnings) is None


def test_decimal_digits_of_other_scripts_are_numbers() -> None:
    assert feel.evaluate("3 * ١") == 3
