"""Decision tables: every hit policy with hand-computed results, aggregations, multiple
outputs, default output entries, input and output values, and the rules reported."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest

from regista import dmn

NS = "https://www.omg.org/spec/DMN/20230324/MODEL/"


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def table_model(
    rules: Sequence[tuple[Sequence[str], Sequence[str]]],
    *,
    inputs: Sequence[str] = ("x",),
    outputs: Sequence[str] = ("out",),
    hit_policy: str = "UNIQUE",
    aggregation: str | None = None,
    input_values: Sequence[str | None] = (),
    output_values: Sequence[str | None] = (),
    defaults: Sequence[str | None] = (),
    output_type: str | None = None,
) -> dmn.DecisionModels:
    """A model with input data named by `inputs` and one decision `T` holding the table."""
    ins = ""
    for k, expr in enumerate(inputs):
        iv = input_values[k] if k < len(input_values) else None
        ivx = f"<inputValues><text>{esc(iv)}</text></inputValues>" if iv else ""
        ins += (
            f'<input id="i{k}"><inputExpression><text>{esc(expr)}</text></inputExpression>'
            f"{ivx}</input>"
        )
    outs = ""
    for k, name in enumerate(outputs):
        ov = output_values[k] if k < len(output_values) else None
        d = defaults[k] if k < len(defaults) else None
        body = f"<outputValues><text>{esc(ov)}</text></outputValues>" if ov else ""
        body += f"<defaultOutputEntry><text>{esc(d)}</text></defaultOutputEntry>" if d else ""
        typed = f' typeRef="{output_type}"' if output_type else ""
        outs += f'<output id="o{k}" name="{name}"{typed}>{body}</output>'
    rows = ""
    for n, (cells, results) in enumerate(rules, 1):
        rows += f'<rule id="rule{n}">'
        rows += "".join(f"<inputEntry><text>{esc(c)}</text></inputEntry>" for c in cells)
        rows += "".join(f"<outputEntry><text>{esc(c)}</text></outputEntry>" for c in results)
        rows += "</rule>"
    agg = f' aggregation="{aggregation}"' if aggregation else ""
    names = sorted({n for e in inputs for n in ("x", "y", "f") if n in e})
    reqs = "".join(
        f'<informationRequirement><requiredInput href="#in_{n}"/></informationRequirement>'
        for n in names
    )
    data = "".join(f'<inputData id="in_{n}" name="{n}"/>' for n in names)
    return dmn.loads(
        f'<definitions xmlns="{NS}" id="defs" name="tables" namespace="urn:tables">'
        f'<decision id="T" name="T">{reqs}'
        f'<decisionTable hitPolicy="{hit_policy}"{agg}>{ins}{outs}{rows}</decisionTable>'
        f"</decision>{data}</definitions>"
    )


def decide(models: dmn.DecisionModels, **inputs: Any) -> dmn.DecisionResult:
    return models.decide("T", inputs)


AGES = [
    (["< 18"], ['"minor"']),
    (["[18..65)"], ['"adult"']),
    ([">= 65"], ['"senior"']),
]


@pytest.mark.parametrize(
    ("x", "expected", "rule"),
    [(10, "minor", 1), (18, "adult", 2), (64.5, "adult", 2), (65, "senior", 3), (90, "senior", 3)],
)
def test_unique_picks_the_one_matching_rule(x: float, expected: str, rule: int) -> None:
    r = decide(table_model(AGES), x=x)
    assert r.value == expected
    assert r.matches == (dmn.RuleMatch("T", "T", (rule,), (f"rule{rule}",)),)
    assert r.warnings == ()


def test_unique_with_overlapping_rules_gives_null_and_a_warning() -> None:
    models = table_model([(["> 1"], ['"a"']), (["> 2"], ['"b"'])])
    r = decide(models, x=3)
    assert r.value is None
    assert r.matches[0].rules == (1, 2)
    assert any("UNIQUE" in w and "1, 2" in w for w in r.warnings)
    assert decide(models, x=2).value == "a"


def test_no_match_gives_null_or_the_default() -> None:
    assert decide(table_model([(["> 10"], ['"big"'])]), x=1).value is None
    r = decide(table_model([(["> 10"], ['"big"'])], defaults=['"small"']), x=1)
    assert r.value == "small"
    assert r.matches == (dmn.RuleMatch("T", "T", (), ()),)


def test_first_takes_the_first_match_in_rule_order() -> None:
    models = table_model(
        [([">= 10"], ["1"]), ([">= 5"], ["2"]), (["-"], ["3"])], hit_policy="FIRST"
    )
    assert decide(models, x=12).value == Decimal(1)
    assert decide(models, x=7).value == Decimal(2)
    r = decide(models, x=0)
    assert r.value == Decimal(3)
    assert r.matches[0].rules == (3,)


def test_priority_follows_the_order_of_the_output_values() -> None:
    models = table_model(
        [([">= 0"], ['"low"']), ([">= 10"], ['"high"']), ([">= 5"], ['"medium"'])],
        hit_policy="PRIORITY",
        output_values=['"high", "medium", "low"'],
    )
    assert decide(models, x=1).value == "low"
    assert decide(models, x=7).value == "medium"
    r = decide(models, x=12)
    assert r.value == "high"
    assert r.matches[0].rules == (2,)


def test_priority_with_several_outputs_compares_the_first_output_first() -> None:
    models = table_model(
        [(["-"], ['"B"', '"y"']), (["-"], ['"A"', '"z"']), (["-"], ['"A"', '"y"'])],
        outputs=("grade", "tag"),
        hit_policy="PRIORITY",
        output_values=['"A","B"', '"y","z"'],
    )
    r = decide(models, x=1)
    assert r.value == {"grade": "A", "tag": "y"}
    assert r.matches[0].rules == (3,)


def test_any_accepts_equal_outputs_and_refuses_different_ones() -> None:
    models = table_model(
        [([">= 0"], ['"ok"']), ([">= 5"], ['"ok"']), ([">= 10"], ['"stop"'])],
        hit_policy="ANY",
    )
    r = decide(models, x=7)
    assert r.value == "ok"
    assert r.matches[0].rules == (1, 2)
    r = decide(models, x=12)
    assert r.value is None
    assert any("ANY" in w for w in r.warnings)


def test_collect_lists_outputs_in_rule_order() -> None:
    models = table_model(
        [([">= 0"], ["10"]), ([">= 5"], ["20"]), ([">= 10"], ["20"]), (["< 0"], ["99"])],
        hit_policy="COLLECT",
    )
    assert decide(models, x=12).value == [Decimal(10), Decimal(20), Decimal(20)]
    assert decide(models, x=-1).value == [Decimal(99)]


@pytest.mark.parametrize(
    ("aggregation", "x", "expected"),
    [
        ("SUM", 12, Decimal(50)),  # 10 + 20 + 20
        ("SUM", 1, Decimal(10)),
        ("MIN", 12, Decimal(10)),
        ("MAX", 12, Decimal(20)),
        ("COUNT", 12, Decimal(2)),  # distinct outputs: 10 and 20
        ("COUNT", 7, Decimal(2)),
        ("SUM", -5, None),  # nothing matched
        ("MIN", -5, None),
        ("MAX", -5, None),
        ("COUNT", -5, Decimal(0)),
    ],
)
def test_collect_aggregations(aggregation: str, x: int, expected: Decimal | None) -> None:
    models = table_model(
        [([">= 0"], ["10"]), ([">= 5"], ["20"]), ([">= 10"], ["20"])],
        hit_policy="COLLECT",
        aggregation=aggregation,
    )
    assert decide(models, x=x).value == expected


def test_collect_aggregation_with_no_match_uses_the_default() -> None:
    models = table_model(
        [([">= 10"], ["3"])], hit_policy="COLLECT", aggregation="MAX", defaults=["0"]
    )
    assert decide(models, x=1).value == Decimal(0)
    assert decide(models, x=11).value == Decimal(3)


def test_collect_min_max_of_strings_and_sum_of_strings() -> None:
    rules = [(["-"], ['"pear"']), (["-"], ['"apple"'])]
    assert decide(table_model(rules, hit_policy="COLLECT", aggregation="MIN"), x=1).value == (
        "apple"
    )
    assert decide(table_model(rules, hit_policy="COLLECT", aggregation="MAX"), x=1).value == (
        "pear"
    )
    r = decide(table_model(rules, hit_policy="COLLECT", aggregation="SUM"), x=1)
    assert r.value is None
    assert any("SUM" in w for w in r.warnings)


def test_rule_order_and_output_order() -> None:
    rules = [([">= 0"], ['"low"']), ([">= 5"], ['"high"']), ([">= 3"], ['"medium"'])]
    values = ['"high","medium","low"']
    ordered = table_model(rules, hit_policy="RULE ORDER", output_values=values)
    assert decide(ordered, x=6).value == ["low", "high", "medium"]
    by_output = table_model(rules, hit_policy="OUTPUT ORDER", output_values=values)
    assert decide(by_output, x=6).value == ["high", "medium", "low"]
    assert decide(by_output, x=4).value == ["medium", "low"]
    assert decide(by_output, x=-1).value == []


def test_multiple_outputs_give_a_context_per_rule() -> None:
    rules = [(["< 18"], ['"minor"', "0"]), ([">= 18"], ['"adult"', "x * 2"])]
    single = table_model(rules, outputs=("group", "points"))
    assert decide(single, x=20).value == {"group": "adult", "points": Decimal(40)}
    collect = table_model(
        [*rules, (["-"], ['"any"', "1"])], outputs=("group", "points"), hit_policy="COLLECT"
    )
    assert decide(collect, x=5).value == [
        {"group": "minor", "points": Decimal(0)},
        {"group": "any", "points": Decimal(1)},
    ]


def test_defaults_with_multiple_outputs() -> None:
    models = table_model(
        [([">= 18"], ['"adult"', "1"])], outputs=("group", "points"), defaults=['"unknown"']
    )
    assert decide(models, x=3).value == {"group": "unknown", "points": None}


def test_aggregation_needs_a_single_output() -> None:
    with pytest.raises(dmn.DmnError, match="single output"):
        table_model(
            [(["-"], ["1", "2"])], outputs=("a", "b"), hit_policy="COLLECT", aggregation="SUM"
        )


def test_several_inputs_and_dash_entries() -> None:
    models = table_model(
        [
            (["< 18", "-"], ['"no"']),
            ([">= 18", '"gold", "silver"'], ['"yes"']),
            ([">= 18", 'not("gold", "silver")'], ['"maybe"']),
        ],
        inputs=("x", "y"),
    )
    assert decide(models, x=10, y="gold").value == "no"
    assert decide(models, x=30, y="silver").value == "yes"
    assert decide(models, x=30, y="bronze").value == "maybe"
    assert decide(models, x=None, y="gold").value is None


def test_input_values_restrict_the_inputs() -> None:
    models = table_model([(['"a"'], ["1"]), (['"b"'], ["2"])], input_values=['"a","b"'])
    assert decide(models, x="b").value == Decimal(2)
    r = decide(models, x="c")
    assert r.value is None
    assert any("input values" in w for w in r.warnings)


def test_output_values_restrict_the_outputs() -> None:
    models = table_model([(["-"], ["x"])], output_values=['"a","b"'])
    assert decide(models, x="a").value == "a"
    r = decide(models, x="z")
    assert r.value is None
    assert any("output values" in w for w in r.warnings)


def test_output_type_is_checked() -> None:
    models = table_model([(["-"], ["x"])], output_type="number")
    assert decide(models, x=5).value == Decimal(5)
    r = decide(models, x="five")
    assert r.value is None
    assert any("does not conform to type number" in w for w in r.warnings)


def test_literal_and_generic_cells_agree_on_kinds() -> None:
    models = table_model(
        [(["1"], ['"one"']), (['"1"'], ['"text"']), (["true"], ['"yes"'])], hit_policy="COLLECT"
    )
    assert decide(models, x=1).value == ["one"]
    assert decide(models, x="1").value == ["text"]
    assert decide(models, x=True).value == ["yes"]
    assert decide(models, x=1.0).value == ["one"]


def test_numeric_fast_paths_match_the_feel_semantics() -> None:
    cells = ["< -5", "<= 0", "> 10", ">= 10.5", "[1..2]", "(1..2)", "]3..4[", "[5..6)"]
    models = table_model([([c], [f'"{c}"']) for c in cells], hit_policy="COLLECT")
    assert decide(models, x=-6).value == ["< -5", "<= 0"]
    assert decide(models, x=0).value == ["<= 0"]
    assert decide(models, x=1).value == ["[1..2]"]
    assert decide(models, x=1.5).value == ["[1..2]", "(1..2)"]
    assert decide(models, x=2).value == ["[1..2]"]
    assert decide(models, x=3).value == []
    assert decide(models, x=3.5).value == ["]3..4["]
    assert decide(models, x=5).value == ["[5..6)"]
    assert decide(models, x=6).value == []
    assert decide(models, x=10.5).value == ["> 10", ">= 10.5"]
    # Not a number: the FEEL unary tests decide (no match, a warning, no error).
    assert decide(models, x="a").value == []


def test_the_input_expression_is_evaluated_once_per_evaluation() -> None:
    calls: list[int] = []

    def f() -> int:
        calls.append(1)
        return 7

    models = table_model(
        [(["< 5"], ["1"]), (["< 10"], ["2"]), (["-"], ["3"])],
        inputs=("f()",),
        hit_policy="COLLECT",
    )
    assert decide(models, f=f).value == [Decimal(2), Decimal(3)]
    assert len(calls) == 1


def test_cells_may_use_the_input_value_and_other_names() -> None:
    models = table_model(
        [
            (["? > y", "-"], ['"above"']),
            (["? = y", "-"], ['"equal"']),
            (["-", "-"], ['"below"']),
        ],
        inputs=("x", "y"),
        hit_policy="FIRST",
    )
    assert decide(models, x=5, y=3).value == "above"
    assert decide(models, x=3, y=3).value == "equal"
    assert decide(models, x=1, y=3).value == "below"


def test_input_entries_referring_to_the_value_with_question_mark() -> None:
    models = table_model(
        [(["? > 10", "-"], ['"big"']), (["-", "-"], ['"small"'])],
        inputs=("x", "y"),
        hit_policy="FIRST",
    )
    assert decide(models, x=11, y=0).value == "big"
    assert decide(models, x=3, y=0).value == "small"


def test_empty_table_rules_gives_null() -> None:
    models = table_model([])
    r = decide(models, x=1)
    assert r.value is None


def test_a_match_records_the_inputs_and_each_rules_outputs() -> None:
    """What Camunda reports of an evaluation: the inputs the table saw, and the outputs of
    every rule that produced the result (not of the rules that lost)."""
    rules = [([">= 1"], ['"a"', "1"]), ([">= 2"], ['"b"', "2"]), (["> 9"], ['"c"', "3"])]
    collect = decide(table_model(rules, outputs=("o", "n"), hit_policy="COLLECT"), x=5)
    (match,) = collect.matches
    assert match.inputs == (dmn.Evaluated("i0", "x", Decimal(5)),)
    assert [[(o.id, o.name, o.value) for o in row] for row in match.outputs] == [
        [("o0", "o", "a"), ("o1", "n", Decimal(1))],
        [("o0", "o", "b"), ("o1", "n", Decimal(2))],
    ]
    priority = table_model(
        [([">= 1"], ['"low"']), ([">= 2"], ['"high"'])],
        hit_policy="PRIORITY",
        output_values=['"high","low"'],
    )
    (best,) = decide(priority, x=5).matches
    assert best.rules == (2,) and [o.value for o in best.outputs[0]] == ["high"]
    (none,) = decide(table_model(AGES), x=None).matches
    assert none.rules == () and none.outputs == () and none.inputs[0].value is None
