"""Expressions: FEEL with the step's clock, Python only when trusted, clear errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from regista.bpmn import ProcessBuilder, parse
from regista.engine import Context, ExpressionError
from regista.engine.expressions import evaluate, run_script
from regista.model.bpmn import Definitions, Expression

from .harness import START, Harness


def _ctx(trusted: bool = False) -> Context:
    return Context(now=START, new_id=lambda: "x", definitions=Definitions(id="d"), trusted=trusted)


def test_feel_reads_the_step_clock() -> None:
    value = evaluate(Expression.feel("now()"), {}, _ctx())
    assert value == START
    assert evaluate(Expression.feel("today()"), {}, _ctx()) == START.date()


def test_literals_and_python() -> None:
    assert evaluate(Expression.literal("EUR"), {}, _ctx()) == "EUR"
    with pytest.raises(ExpressionError, match="trusted"):
        evaluate(Expression("1 + 1", "python"), {}, _ctx())
    assert evaluate(Expression("x * 2", "python"), {"x": 2}, _ctx(True)) == Decimal(4)
    with pytest.raises(ExpressionError, match="groovy"):
        evaluate(Expression("1", "groovy"), {}, _ctx())
    with pytest.raises(ExpressionError, match="invalid FEEL"):
        evaluate(Expression.feel("1 +"), {}, _ctx())


def test_names_with_spaces() -> None:
    value = evaluate(Expression.feel("Monthly Salary * 12"), {"Monthly Salary": 10}, _ctx())
    assert value == Decimal(120)


def test_python_conditions_in_a_trusted_model(roundtrip: bool) -> None:
    xml = """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
      <process id="p" isExecutable="true">
        <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="g"/>
        <exclusiveGateway id="g" default="f3"/>
        <sequenceFlow id="f2" sourceRef="g" targetRef="big">
          <conditionExpression language="python">amount &gt; 100</conditionExpression>
        </sequenceFlow>
        <sequenceFlow id="f3" sourceRef="g" targetRef="small"/>
        <endEvent id="big"/><endEvent id="small"/>
      </process></definitions>"""
    defs = parse(xml)
    h = Harness(defs, roundtrip=roundtrip, trusted=True).start(variables={"amount": 500})
    assert h.passed[-1] == "big"
    untrusted = Harness(defs, roundtrip=roundtrip).start(variables={"amount": 500})
    assert untrusted.status == "incident"


def test_non_boolean_condition_is_an_incident() -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .exclusive_gateway("g")
        .condition('="yes"')
        .end("a")
        .move_to("g")
        .default()
        .end("b")
        .build()
    )
    h = Harness(defs).start()
    assert h.status == "incident"
    assert "not a boolean" in h.state.incidents[0].message


def test_null_condition_counts_as_false() -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .exclusive_gateway("g")
        .condition("=missing > 1")
        .end("a")
        .move_to("g")
        .default()
        .end("b")
        .build()
    )
    assert Harness(defs).start().passed[-1] == "b"


def test_timer_from_the_clock_of_the_step() -> None:
    defs = ProcessBuilder("p").start().catch("t", date='=now() + duration("PT5M")').end().build()
    h = Harness(defs).start()
    assert next(iter(h.timers.values()))[1].due == START + dt.timedelta(minutes=5)


class _Watched(dict[str, Any]):
    """FEEL variables of one scope that remember which were read."""

    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        self.read.add(name)
        return super().__getitem__(name)


def test_a_python_script_converts_only_the_variables_it_reads() -> None:
    outer = _Watched(
        {
            "a": Decimal(2),
            "items": [Decimal(1), Decimal(2)],
            "gone": "x",
            "big": [Decimal(i) for i in range(1000)],
            "shadowed": "outer",
        }
    )
    inner = _Watched({"shadowed": "inner", "factor": Decimal(3)})
    script = (
        "b = a + 1\n"
        "def twice():\n    return a * 2\n"  # a global read from inside a function
        "scaled = [x * factor for x in items]\n"  # and from inside a comprehension
        "items.append(3)\n"  # changed in place: written back
        "del gone\n"  # deleting one never read
        "shadowed + str(twice())"
    )
    result, assigned = run_script(script, "python", [outer, inner], _ctx(True))
    assert result == "inner4"
    assert assigned == {
        "b": Decimal(3),
        "scaled": [Decimal(3), Decimal(6)],
        "items": [Decimal(1), Decimal(2), Decimal(3)],
    }
    assert "big" not in outer.read  # the large list was never converted
    assert "shadowed" not in outer.read  # the inner scope hides it
    assert inner.read == {"shadowed", "factor"}
    with pytest.raises(ExpressionError, match="NameError"):
        run_script("del missing", "python", [outer], _ctx(True))
    with pytest.raises(ExpressionError, match="NameError"):
        run_script("del gone\ngone", "python", [outer], _ctx(True))
    full = Context(
        now=START,
        new_id=lambda: "x",
        definitions=Definitions(id="d"),
        trusted=True,
        full_builtins=True,
    )
    _, found = run_script("seen = 'big' in globals()", "python", [outer], full)
    assert found == {"seen": True} and "big" not in outer.read
    value = evaluate(Expression("a * 10", "python"), {"a": 4, "big": list(range(10))}, _ctx(True))
    assert value == Decimal(40)
