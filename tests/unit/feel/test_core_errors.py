"""FEEL errors through the public API: syntax errors are `FeelSyntaxError` with the line, the
column and a caret under the offending character; pathological input (deep nesting, huge
text) is refused with a typed error instead of a RecursionError or a hang; invalid
operations at run time never raise but give null and a warning."""

from __future__ import annotations

from decimal import Decimal

import pytest

import regista.feel
from regista.feel import compile, compile_unary_tests, evaluate
from regista.feel.errors import FeelSyntaxError


def syntax_error(text: str) -> FeelSyntaxError:
    with pytest.raises(FeelSyntaxError) as info:
        evaluate(text)
    return info.value


def test_the_error_class() -> None:
    assert regista.feel.FeelSyntaxError is FeelSyntaxError
    assert issubclass(FeelSyntaxError, ValueError)
    e = FeelSyntaxError("oops", "ab\ncd", 2, 2)
    assert (e.message, e.expression, e.line, e.column) == ("oops", "ab\ncd", 2, 2)
    assert str(e) == "FEEL syntax error at line 2, column 2: oops\n  cd\n   ^"


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("1 + * 2", 1, 5, "unexpected '*'"),
        ("1 +", 1, 4, "unexpected end of expression"),
        ("{a: 1", 1, 6, "unexpected end of expression"),
        ("[1, 2", 1, 6, "unexpected end of expression"),
        ("if x then 1", 1, 12, "unexpected end of expression"),
        ("for i in return 1", 1, 10, "unexpected 'return'"),
        (")", 1, 1, "unexpected ')'"),
        ("1 # 2", 1, 3, "unexpected character '#'"),
        ('"unterminated', 1, 1, "unterminated string literal"),
        ("a b +\n  * 3", 2, 3, "unexpected '*'"),
        ("{\n  a: 1,\n  b: 2 3\n}", 3, 8, "unexpected '3'"),
    ],
)
def test_syntax_errors_carry_the_position(text: str, line: int, column: int, message: str) -> None:
    e = syntax_error(text)
    assert (e.line, e.column, e.message) == (line, column, message)
    assert e.expression == text


def test_the_message_shows_the_line_with_a_caret() -> None:
    e = syntax_error("x + 1\n  + * 2")
    assert str(e).splitlines() == [
        "FEEL syntax error at line 2, column 5: unexpected '*'",
        "    + * 2",
        "      ^",
    ]
    e = syntax_error("1 + * 2")
    _header, source, caret = str(e).splitlines()
    assert source == "  1 + * 2"
    assert caret.index("^") == source.index("*")


def test_compile_raises_too() -> None:
    with pytest.raises(FeelSyntaxError):
        compile("1 +")
    with pytest.raises(FeelSyntaxError):
        compile_unary_tests("< ")


@pytest.mark.parametrize(
    "text",
    [
        "(" * 5000,
        "(" * 5000 + "1" + ")" * 5000,
        "[" * 5000 + "]" * 5000,
        "{a:" * 5000 + "1" + "}" * 5000,
        "not(" * 5000 + "true" + ")" * 5000,
        "abs(" * 5000 + "1" + ")" * 5000,
        "-" * 5000 + "1",
        "- " * 3000 + "1",
        " ".join(["if true then"] * 3000) + " 1" + " else 2" * 3000,
        " ".join(["for x in [1] return"] * 3000) + " 1",
        "(1+" * 150 + "1" + ")" * 150 + "+" + "[" * 150 + "1" + "]" * 150,
    ],
    ids=[
        "open-parens",
        "balanced-parens",
        "lists",
        "contexts",
        "not-calls",
        "calls",
        "minus-signs",
        "spaced-minus-signs",
        "if-chain",
        "for-chain",
        "parens-and-lists",
    ],
)
def test_deep_nesting_is_a_syntax_error_not_a_recursion_error(text: str) -> None:
    # How quickly it is refused is a figure of benchmarks/feel_bench.py, not an assertion.
    e = syntax_error(text)
    assert "nest" in e.message


def test_moderate_nesting_is_fine() -> None:
    assert evaluate("(" * 150 + "1" + ")" * 150) == Decimal(1)
    assert evaluate("abs(" * 150 + "-1" + ")" * 150) == Decimal(1)
    assert evaluate("[" * 100 + "1" + "]" * 100) is not None
    assert evaluate("+".join(["1"] * 300)) == Decimal(300)


def test_long_flat_operator_chains() -> None:
    assert evaluate("+".join(["1"] * 1000)) == Decimal(1000)
    assert evaluate(" or ".join(["false"] * 999 + ["true"])) is True
    assert evaluate(" and ".join(["true"] * 999 + ["null"])) is None
    assert evaluate(" and ".join(["true"] * 999 + ["false"])) is False
    assert evaluate(" or ".join(["false"] * 1000)) is False
    assert evaluate("-".join(["1"] * 5000)) == Decimal(2 - 5000)
    assert evaluate("*".join(["2"] * 100) + " / 2") == Decimal(2**99)
    # Mixed operators keep their precedence and left-to-right order.
    assert evaluate("+".join(["2 * 3 - 1"] * 1000)) == Decimal(5000)
    warnings: list[str] = []
    assert evaluate("+".join(["1"] * 500) + ' + "a"', warnings=warnings) is None
    assert warnings


def test_very_long_flat_chains_are_not_nesting() -> None:
    assert evaluate("+".join(["1"] * 50000)) == Decimal(50000)
    warnings: list[str] = []
    assert evaluate("**".join(["2"] * 5000), warnings=warnings) is None  # too large
    assert warnings


def test_short_chains_count_as_nesting() -> None:
    # Chains shorter than the flattened ones compile link by link, so 10 nested
    # parentheses each around a 31-link chain nest more than 300 levels.
    assert "nest" in syntax_error("(" * 10 + "1" + ("+1" * 30 + ")") * 10).message
    assert evaluate("(" * 10 + "1" + ("+1" * 40 + ")") * 10) == Decimal(401)


def test_long_chains_in_unary_tests() -> None:
    tests = compile_unary_tests("+".join(["?"] * 1000) + " > 5")
    assert tests.test(1) is True
    assert tests.test(0) is False


def test_digits_that_are_not_decimal_digits_do_not_crash_the_lexer() -> None:
    # "²" is a digit to str.isdigit() but no decimal digit (found by a property test)
    warnings: list[str] = []
    assert evaluate("²", {}, warnings) is None and warnings
    assert "²" in syntax_error("1²").message
    assert evaluate("٣ + 1") == Decimal(4)  # decimal digits of other scripts are numbers


def test_huge_input_is_refused_by_its_length() -> None:
    # Refused before parsing; how quickly is a figure of benchmarks/feel_bench.py.
    e = syntax_error("1" * 2_000_000)
    assert "longer than" in e.message
    assert e.line == 1


def test_big_but_acceptable_input() -> None:
    text = '"' + "a" * 900_000 + '"'
    assert evaluate(text) == "a" * 900_000
    items = ", ".join(str(i) for i in range(20_000))
    assert evaluate(f"count([{items}])") == Decimal(20_000)


@pytest.mark.parametrize(
    "text",
    [
        "1/0",
        "unknown",
        "abs()",
        '"a" < 1',
        "[1, 2][5]",
        "{a: 1, a: 2}",
        "{f: function(n) f(n), r: f(1)}.r",
        '@"not a date"',
        'date("2020-13-45")',
        "for i in 1..10000000000 return i",
        "1(1)",
        "{a: 1}.a.b",
    ],
)
def test_evaluation_never_raises(text: str) -> None:
    warnings: list[str] = []
    assert evaluate(text, None, warnings) is None
    assert warnings
