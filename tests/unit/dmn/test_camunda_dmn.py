"""DMN as Camunda users write it: no input data (the caller's variables are read by
name), a required decision's result named by its id (Camunda 8) or by its output names
(Camunda 7), and the namespaces older Camunda modelers wrote."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

import pytest

from regista import dmn

NS13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"
NS11 = "http://www.omg.org/spec/DMN/20151101/dmn.xsd"


def table(
    id_: str,
    name: str,
    inputs: list[str],
    outputs: list[str],
    rules: list[tuple[list[str], list[str]]],
    *,
    hit_policy: str = "UNIQUE",
    requires: tuple[str, ...] = (),
) -> str:
    reqs = "".join(
        f'<informationRequirement><requiredDecision href="#{r}"/></informationRequirement>'
        for r in requires
    )
    ins = "".join(
        f'<input id="{id_}-in{i}"><inputExpression id="{id_}-ie{i}"><text>{text}</text>'
        "</inputExpression></input>"
        for i, text in enumerate(inputs)
    )
    outs = "".join(f'<output id="{id_}-out{i}" name="{o}"/>' for i, o in enumerate(outputs))
    body = "".join(
        f'<rule id="{id_}-r{n}">'
        + "".join(f"<inputEntry><text>{escape(e)}</text></inputEntry>" for e in when)
        + "".join(f"<outputEntry><text>{escape(e)}</text></outputEntry>" for e in then)
        + "</rule>"
        for n, (when, then) in enumerate(rules)
    )
    return (
        f'<decision id="{id_}" name="{name}">{reqs}'
        f'<decisionTable id="{id_}-t" hitPolicy="{hit_policy}">{ins}{outs}{body}</decisionTable>'
        "</decision>"
    )


def definitions(*decisions: str, namespace: str = NS13) -> str:
    return (
        f'<definitions xmlns="{namespace}" id="d" name="Camunda" '
        f'namespace="http://camunda.org/schema/1.0/dmn">{"".join(decisions)}</definitions>'
    )


SEASON = table(
    "season",
    "Season decision",
    ["month"],
    ["season"],
    [(["[9..11]"], ['"Fall"']), (["-"], ['"Winter"'])],
    hit_policy="FIRST",
)


def decide(xml: str, decision: str, variables: dict[str, Any]) -> Any:
    result = dmn.loads(xml).decide(decision, variables, free_variables=True)
    assert not result.warnings, result.warnings
    return result.value


def test_a_required_decision_is_read_by_its_id_as_camunda_8_models_do() -> None:
    force = table(
        "force_user",
        "Which force user?",
        ["jedi_or_sith", "height"],
        ["user"],
        [(['"Jedi"', "> 190"], ['"Mace Windu"']), (['"Jedi"', "<= 190"], ['"Obi-Wan"'])],
        requires=("jedi_or_sith",),
    )
    side = table(
        "jedi_or_sith",
        "Jedi or Sith",
        ["lightsaberColor"],
        ["side"],
        [(['"blue"'], ['"Jedi"']), (['"red"'], ['"Sith"'])],
    )
    xml = definitions(force, side)
    assert decide(xml, "force_user", {"lightsaberColor": "blue", "height": 188}) == "Obi-Wan"


def test_a_required_decision_is_read_by_its_output_name_as_camunda_7_models_do() -> None:
    dish = table(
        "dish",
        "Dish",
        ["desiredSeason", "guestCount"],
        ["desiredDish"],
        [(['"Fall"', "<= 8"], ['"Spareribs"']), (["-", "> 8"], ['"Stew"'])],
    )
    beverages = table(
        "beverages",
        "Beverages",
        ["desiredDish"],
        ["beverage"],
        [(['"Spareribs"'], ['"Aecht Schlenkerla Rauchbier"']), (['"Stew"'], ['"Guiness"'])],
        hit_policy="COLLECT",
        requires=("dish",),
    )
    xml = definitions(dish, beverages)
    drinks = decide(xml, "beverages", {"desiredSeason": "Fall", "guestCount": 4})
    assert drinks == ["Aecht Schlenkerla Rauchbier"]


def test_each_output_of_a_required_table_is_named_and_a_collect_gives_lists() -> None:
    pair = table(
        "pair",
        "Pair",
        ["n"],
        ["low", "high"],
        [([">= 0"], ["n - 1", "n + 1"])],
    )
    many = table(
        "many",
        "Many",
        ["n"],
        ["item", "rank"],
        [([">= 0"], ['"a"', "1"]), ([">= 1"], ['"b"', "2"])],
        hit_policy="COLLECT",
    )
    summary = (
        '<decision id="summary" name="Summary">'
        '<informationRequirement><requiredDecision href="#pair"/></informationRequirement>'
        '<informationRequirement><requiredDecision href="#many"/></informationRequirement>'
        '<literalExpression id="summary-e"><text>[low, high, item, rank]</text>'
        "</literalExpression></decision>"
    )
    xml = definitions(pair, many, summary)
    assert decide(xml, "summary", {"n": 5}) == [4, 6, ["a", "b"], [1, 2]]


def test_a_name_the_standard_binds_is_never_hidden_by_an_alias() -> None:
    # "season" is both the required decision's id and its output name, and also the name
    # of another required decision: the standard's binding (by name) wins
    named = (
        '<decision id="other" name="season"><literalExpression id="o-e"><text>"by name"'
        "</text></literalExpression></decision>"
    )
    reader = (
        '<decision id="reader" name="Reader">'
        '<informationRequirement><requiredDecision href="#season"/></informationRequirement>'
        '<informationRequirement><requiredDecision href="#other"/></informationRequirement>'
        '<literalExpression id="r-e"><text>season</text></literalExpression></decision>'
    )
    xml = definitions(SEASON, named, reader)
    assert decide(xml, "reader", {"month": 10}) == "by name"


@pytest.mark.parametrize(
    "namespace",
    [
        "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
        "http://www.omg.org/spec/DMN/20151101/dmn11.xsd",
        "https://www.omg.org/spec/DMN/20151101/dmn.xsd",
        "http://www.omg.org/spec/DMN/20191111/MODEL/",
        "https://www.omg.org/spec/DMN/20191111/MODEL",
    ],
)
def test_the_namespaces_older_modelers_wrote_are_read(namespace: str) -> None:
    assert decide(definitions(SEASON, namespace=namespace), "season", {"month": 10}) == "Fall"


def test_a_namespace_that_is_not_dmn_is_still_refused() -> None:
    with pytest.raises(dmn.DmnError, match="not a DMN model"):
        dmn.loads(definitions(SEASON, namespace="http://www.omg.org/spec/DMN/19990101/dmn.xsd"))


def juel_table(expression: str, language: str | None = "juel") -> str:
    """A Camunda 7 table whose one input expression is written in `language`."""
    lang = f' expressionLanguage="{language}"' if language else ""
    return (
        '<decision id="fee" name="Fee"><decisionTable id="fee-t" hitPolicy="FIRST">'
        f'<input id="fee-in"><inputExpression id="fee-ie"{lang}><text>{escape(expression)}'
        '</text></inputExpression></input><output id="fee-out" name="fee"/>'
        '<rule id="fee-r1"><inputEntry><text>&gt; 100</text></inputEntry>'
        "<outputEntry><text>5</text></outputEntry></rule>"
        '<rule id="fee-r2"><inputEntry><text>-</text></inputEntry>'
        "<outputEntry><text>0</text></outputEntry></rule>"
        "</decisionTable></decision>"
    )


@pytest.mark.parametrize(
    ("expression", "language"),
    [
        ("${amount * 2}", "juel"),
        ("amount * 2", "juel"),
        ("${amount * 2}", None),
        ("amount * 2", "JUEL"),
    ],
)
def test_a_camunda_7_input_expression_in_juel_is_translated(
    expression: str, language: str | None
) -> None:
    xml = definitions(juel_table(expression, language), namespace=NS11)
    assert decide(xml, "fee", {"amount": 60}) == 5
    assert decide(xml, "fee", {"amount": 40}) == 0


def test_a_document_whose_default_language_is_juel_has_its_inputs_translated() -> None:
    xml = definitions(juel_table("amount * 2", None), namespace=NS11).replace(
        'id="d"', 'id="d" expressionLanguage="juel"'
    )
    assert decide(xml, "fee", {"amount": 60}) == 5


def test_juel_that_cannot_be_translated_is_refused_naming_the_input() -> None:
    xml = definitions(juel_table('execution.getVariable("amount")'), namespace=NS11)
    with pytest.raises(dmn.DmnError, match=r"input expression .* is JUEL") as caught:
        dmn.loads(xml)
    assert caught.value.element_id == "fee-ie"
