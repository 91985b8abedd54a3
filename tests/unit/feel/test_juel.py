"""Camunda 7 JUEL expressions translated to FEEL, checked both as text and by evaluating
the FEEL result."""

from __future__ import annotations

from typing import Any

import pytest

from regista.bpmn.expressions import read_formal, read_value
from regista.feel import evaluate
from regista.feel.juel import JuelError, is_juel, translate
from regista.model.bpmn import Expression


@pytest.mark.parametrize(
    ("juel", "feel"),
    [
        ("${amount > 1000}", "amount > 1000"),
        ("${approved}", "approved"),
        ("${!rejected}", "not(rejected)"),
        ("${not rejected}", "not(rejected)"),
        ("${a == 'x' && b != 2}", 'a = "x" and b != 2'),
        ("${a eq 1 or b ne 2}", "a = 1 or b != 2"),
        ("${x lt 1 and y ge 2}", "x < 1 and y >= 2"),
        ("${order.total >= 10.50}", "order.total >= 10.50"),
        ("${(a || b) && c}", "(a or b) and c"),
        ("${a || b && c}", "a or b and c"),
        ("${-x + 2 * (y - 1)}", "-x + 2 * (y - 1)"),
        ("${a % 2 == 0}", "modulo(a, 2) = 0"),
        ("${a div 2}", "a / 2"),
        ("${ok ? 'yes' : 'no'}", 'if ok then "yes" else "no"'),
        ("${items[0]}", "items[1]"),
        ("${order['total']}", "order.total"),
        ("${x == null}", "x = null"),
        ('${name == "it\'s"}', 'name = "it\'s"'),
        ("#{deferred}", "deferred"),
        ("${1e3 > x}", "1000 > x"),
        ("Order ${id}", '"Order " + string(id)'),
        ("${a} and ${b}", 'string(a) + " and " + string(b)'),
    ],
)
def test_translation(juel: str, feel: str) -> None:
    assert translate(juel) == feel


@pytest.mark.parametrize(
    ("juel", "variables", "expected"),
    [
        ("${amount > 1000}", {"amount": 1200}, True),
        ("${amount > 1000}", {"amount": 999}, False),
        ("${a == 'x' && b != 2}", {"a": "x", "b": 3}, True),
        ("${a == 'x' && b != 2}", {"a": "x", "b": 2}, False),
        ("${!rejected}", {"rejected": False}, True),
        ("${ok ? 'yes' : 'no'}", {"ok": False}, "no"),
        ("${items[1] == 'b'}", {"items": ["a", "b"]}, True),
        ("${count % 3}", {"count": 7}, 1),
        ("Invoice ${n}", {"n": 42}, "Invoice 42"),
    ],
)
def test_translation_evaluates_like_juel(
    juel: str, variables: dict[str, Any], expected: Any
) -> None:
    assert evaluate(translate(juel), variables) == expected


@pytest.mark.parametrize(
    ("juel", "reason"),
    [
        ('${execution.getVariable("x")}', "execution"),
        ("${bean.compute(1)}", "method call 'compute(...)'"),
        ("${dateTime()}", "function call 'dateTime(...)'"),
        ("${empty list}", "'empty' operator"),
        ("${a[i]}", "literal index"),
        ("${a +}", "unexpected"),
        ("${a == 'x'", "unclosed"),
        ("${}", "empty expression"),
        ("${a @ b}", "unexpected character"),
        ("${for}", "cannot be written in FEEL"),
    ],
)
def test_untranslatable_juel_names_the_reason(juel: str, reason: str) -> None:
    with pytest.raises(JuelError) as info:
        translate(juel)
    assert reason in str(info.value)


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(JuelError, match="nests too deeply"):
        translate("${" + "(" * 5000 + "a" + ")" * 5000 + "}")


def test_is_juel() -> None:
    assert is_juel("${x}")
    assert is_juel("a #{x}")
    assert not is_juel("=x > 1")
    assert not is_juel("plain")


def test_values_and_formal_expressions() -> None:
    assert read_value("=a + 1") == Expression("a + 1", "feel")
    assert read_value("${a}") == Expression("a", "feel")
    assert read_value("payment") == Expression("payment", "literal")
    assert read_formal("amount > 5", None) == Expression("amount > 5", "feel")
    assert read_formal("amount > 5", None, "python") == Expression("amount > 5", "python")
    assert read_formal("= x", None, "python") == Expression("x", "feel")
    assert read_formal("x", "http://www.omg.org/spec/FEEL/20140401") == Expression("x", "feel")
    assert read_formal("a == 1", "juel") == Expression("a = 1", "feel")
    assert read_formal("x > 1", "Groovy") == Expression("x > 1", "groovy")
