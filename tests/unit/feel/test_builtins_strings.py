"""String built-ins, including XPath regular expressions (expectations from DMN 1.5 and the
DMN TCK folders 1103-1111, 1140, 0067)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from regista.feel.builtins.strings import STRING_BUILTINS
from regista.feel.values import FeelEvalError


def call(name: str, *args: Any) -> Any:
    return STRING_BUILTINS[name].invoke(list(args))


def call_named(name: str, **named: Any) -> Any:
    return STRING_BUILTINS[name].invoke([], {k.replace("_", " "): v for k, v in named.items()})


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("f", Decimal(1)), "f"),
        (("foobar", Decimal(3)), "obar"),
        (("foobar", Decimal(3), Decimal(3)), "oba"),
        (("foobar", Decimal(-2), Decimal(1)), "a"),
        (("foobar", Decimal(-6), Decimal(6)), "foobar"),
        (("foobar", Decimal(3), Decimal("3.8")), "oba"),  # lengths truncate
        (("foobar", Decimal(5), Decimal(10)), "ar"),  # a length past the end is clipped
        (("\U0001f40efoo", Decimal(2)), "foo"),  # code points, not UTF-16 units
    ],
)
def test_substring(args: tuple[Any, ...], expected: str) -> None:
    assert call("substring", *args) == expected


def test_substring_named() -> None:
    assert call_named("substring", string="foobar", start_position=Decimal(3)) == "obar"


@pytest.mark.parametrize(
    "args",
    [
        ("foobar", Decimal(0)),
        ("foobar", Decimal(7)),
        ("foobar", Decimal(-7)),
        ("foobar", Decimal(1), Decimal(-1)),
        (None, Decimal(1)),
        ("foobar", "1"),
    ],
)
def test_substring_invalid(args: tuple[Any, ...]) -> None:
    with pytest.raises(FeelEvalError):
        call("substring", *args)


def test_string_length_counts_code_points() -> None:
    assert call("string length", "") == Decimal(0)
    assert call("string length", "aaaaa dddd ") == Decimal(11)
    assert call("string length", "\U0001f40e\U0001f600") == Decimal(2)
    assert isinstance(call("string length", "abc"), Decimal)


def test_case_functions() -> None:
    assert call("upper case", "xyZ ") == "XYZ "
    assert call("upper case", "") == ""
    assert call("lower case", "aBc4") == "abc4"
    assert call("upper case", ["bob"]) == "BOB"  # a singleton list stands for its item
    with pytest.raises(FeelEvalError):
        call("upper case", Decimal(1))


@pytest.mark.parametrize(
    ("name", "string", "match", "expected"),
    [
        ("substring before", "foobar", "bar", "foo"),
        ("substring before", "foobar", "o", "f"),
        ("substring before", "foobar", "x", ""),
        ("substring before", "abc", "", ""),
        ("substring after", "foobar", "ob", "ar"),
        ("substring after", "foobar", "x", ""),
        ("substring after", "abc", "", "abc"),
        ("substring after", "abc", "c", ""),
        ("contains", "foobar", "bar", True),
        ("contains", "", "", True),
        ("contains", "", "ab", False),
        ("starts with", "foobar", "fo", True),
        ("starts with", "foobar", "ob", False),
        ("ends with", "foobar", "r", True),
        ("ends with", "\U0001f40e\U0001f600", "\U0001f600", True),
    ],
)
def test_searching(name: str, string: str, match: str, expected: Any) -> None:
    assert call(name, string, match) == expected
    assert call_named(name, string=string, match=match) == expected


@pytest.mark.parametrize("name", ["contains", "starts with", "ends with", "substring before"])
def test_searching_null_is_invalid(name: str) -> None:
    with pytest.raises(FeelEvalError):
        call(name, None, "a")
    with pytest.raises(FeelEvalError):
        call(name, "a", None)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((["a", "b", "c"],), "abc"),
        ((["a", "b", "c"], " and "), "a and b and c"),
        ((["a", "b", "c"], None), "abc"),
        ((["a", None, "c"], "X"), "aXc"),  # nulls are skipped
        (([], "X"), ""),
        (("a", "X"), "a"),  # a single string is a singleton list
    ],
)
def test_string_join(args: tuple[Any, ...], expected: str) -> None:
    assert call("string join", *args) == expected


def test_string_join_invalid() -> None:
    for args in [(None,), ([Decimal(1)], "X"), (Decimal(123), "X"), (["a"], Decimal(1))]:
        with pytest.raises(FeelEvalError):
            call("string join", *args)
    with pytest.raises(FeelEvalError):
        call("string join", ["a"], "X", "foo")
    assert call_named("string join", delimiter="X", list=["a", "c"]) == "aXc"


# ---------------------------------------------------------------- matches


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("banana", "[a-z]{3}"), True),
        (("abracadabra", "bra", None), True),
        (("abracadabra", "^a.*a$"), True),
        (("abracadabra", "^bra"), False),
        (("abc\n", "c$"), False),  # $ is the very end, not before a final newline
        (("\nabcd\ndefg\n", "^$", "m"), True),
        (("abcd\n\ndefg\n ", "^$", "m"), True),
        (("abc\n", "^$", "m"), False),  # ^ does not match after a final newline
        (("Mary\rJones", "Mary.Jones"), False),  # . excludes CR and LF
        (("Mary\nJones", "Mary.Jones", "s"), True),
        (("abc", "ABC", "i"), True),
        (("\u212a", "k", "i"), True),  # Kelvin sign folds to k
        (("x", "[A-Z-[OI]]", "i"), True),  # class subtraction
        (("O", "[A-Z-[OI]]", "i"), False),
        (("i", "[A-Z-[OI]]", "i"), False),
        (("e", "[a-z-[aeiou-[e]]]"), True),  # nested subtraction
        (("q", "[^Q]", "i"), False),
        (("a", "a[^b]"), False),
        (("a ", "a[^b]"), True),
        (("aA", "(a)\\1", "i"), True),
        (("hello world", "hello\\ sworld", "x"), True),
        (("hello world", "he ll o[ ]worl d", "x"), True),
        (("hello world", "\\p{ IsBasicLatin}+", "x"), True),
        (("a.b", "a.b", "q"), True),
        (("axb", "a.b", "q"), False),
        (("A.B", "a.b", "qi"), True),
        (("\u00e9t\u00e9", "^\\p{L}+$"), True),
        (("x1", "^\\p{Lu}"), False),
        (("\u0663", "^\\d$"), True),  # \d is any Nd digit
        (("\u00a0", "\\s"), False),  # \s is only space, tab, CR, LF
        (("a-b", "^\\i\\c*$"), True),
        (("ab12", "^[\\p{L}-[b]]+\\d+$"), False),
        (("(", "\\("), True),
        (("ab", "(?:a)(b)"), True),
    ],
)
def test_matches(args: tuple[Any, ...], expected: bool) -> None:
    assert call("matches", *args) is expected


def test_word_escape_excludes_punctuation() -> None:
    # \w is every character but punctuation (including _), separators and others.
    assert call("matches", "_", "^\\w$") is False
    assert call("matches", "\u00e9", "^\\w$") is True
    assert call("matches", "+", "^\\w$") is True  # a math symbol (Sm) is a word character


@pytest.mark.parametrize(
    "args",
    [
        (None, "pattern"),
        ("input", None),
        ("input", []),
        ("abracadabra", "bra", "p"),
        ("input", "pattern", " "),
        ("input", "pattern", []),
        ("hello world", "\\p{ IsBasicLatin}+"),  # spaces only go with the x flag
        ("h", "(.)\\3"),
        ("h", "(.)\\2"),
        ("input", "\\3"),
        ("aa", "(a\\1)"),  # a group cannot refer to itself
        ("abcd", "(asd)[\\1]"),
        ("abcd", "1[asd\\0]"),
        ("a", "(?=a)"),  # lookarounds are Python, not XPath
        ("a", "(?i)a"),
        ("a", "\\bA"),
        ("a", "a{,2}"),
        ("a", "a{3,2}"),
        ("a", "*a"),
        ("a", "a]"),
        ("a", "[a"),
        ("a", "(a"),
        ("a", "a)"),
        ("a", "[]"),
        ("a", "[a-z-0]"),
        ("a", "\\p{Foo}"),
    ],
)
def test_matches_invalid(args: tuple[Any, ...]) -> None:
    with pytest.raises(FeelEvalError):
        call("matches", *args)


def test_matches_named() -> None:
    assert call_named("matches", input="abc", pattern="B", flags="i") is True


# ---------------------------------------------------------------- replace


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("abcd", "(ab)|(a)", "[1=$1][2=$2]"), "[1=ab][2=]cd"),  # unmatched group is ""
        (("abracadabra", "bra", "*"), "a*cada*"),
        (("abracadabra", "a.*a", "*"), "*"),
        (("abracadabra", "a.*?a", "*"), "*c*bra"),
        (("abracadabra", "a", ""), "brcdbr"),
        (("abracadabra", "a(.)", "a$1$1"), "abbraccaddabbra"),
        (("AAAA", "A+?", "b"), "bbbb"),
        (("darted", "^(.*?)d(.*)$", "$1c$2"), "carted"),
        (("0123456789", "(\\d{3})(\\d{3})(\\d{4})", "($1) $2-$3"), "(012) 345-6789"),
        (("facetiously", "[iouy]", "[$0]"), "facet[i][o][u]sl[y]"),
        (("abc", "[A-Z]", "#", "i"), "###"),
        (("a b c d ", "[a-z]", "#", "x"), "# # # # "),
        (("abc", ".^[d-z]*", "#", "smix"), "abc"),
        (("abc", "b", "\\$\\\\"), "a$\\c"),
        (("abc", "(b)", "$12"), "ab2c"),  # $12 with one group is $1 then "2"
        (("abc", "(b)", "$2"), "ac"),  # a group number up to 9 beyond the groups is ""
        (("a.b.c", ".", "-", "q"), "a-b-c"),
        (("a.b", ".", "$1\\", "q"), "a$1\\b"),  # with q the replacement is literal too
    ],
)
def test_replace(args: tuple[Any, ...], expected: str) -> None:
    assert call("replace", *args) == expected


@pytest.mark.parametrize(
    "args",
    [
        ("abc", "b", "$"),
        ("abc", "b", "\\n"),
        ("abc", "x*", "-"),  # a pattern matching "" is an error in XPath
        ("abc", "[", "-"),
        ("abc", "b", "-", "z"),
        (None, "b", "-"),
    ],
)
def test_replace_invalid(args: tuple[Any, ...]) -> None:
    with pytest.raises(FeelEvalError):
        call("replace", *args)


def test_replace_named() -> None:
    result = call_named("replace", input="abc", pattern="[A-Z]", replacement="#", flags="i")
    assert result == "###"


# ---------------------------------------------------------------- split


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("John Doe", "\\s"), ["John", "Doe"]),
        (("a;b;c;;", ";"), ["a", "b", "c", "", ""]),
        (("a1b22c", "\\d+"), ["a", "b", "c"]),
        (("abc", "(b)"), ["a", "c"]),  # groups in the delimiter are not returned
        (("a(b)c", "\\(b\\)"), ["a", "c"]),
        (("", ","), []),
    ],
)
def test_split(args: tuple[Any, ...], expected: list[str]) -> None:
    assert call("split", *args) == expected


def test_split_named_and_invalid() -> None:
    assert call_named("split", delimiter=",", string="foo,bar") == ["foo", "bar"]
    for args in [(None, ","), ("foo", None), ("foo", "x*")]:
        with pytest.raises(FeelEvalError):
            call("split", *args)
    with pytest.raises(FeelEvalError):
        STRING_BUILTINS["split"].invoke([], {"delimiter": ",", "str": "a"})
