"""The decision requirements graph: dependency order and memoisation, what a decision sees,
business knowledge models, decision services, imports between models, and the item
definition type checks (null + warning, DMN 1.5 implicit conversions)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from regista import dmn

NS = "https://www.omg.org/spec/DMN/20230324/MODEL/"


def model(body: str, *, name: str = "main", namespace: str = "urn:main") -> str:
    return (
        f'<definitions xmlns="{NS}" id="{name}" name="{name}" namespace="{namespace}">'
        f"{body}</definitions>"
    )


def literal(
    id_: str,
    name: str,
    text: str,
    *,
    decisions: tuple[str, ...] = (),
    inputs: tuple[str, ...] = (),
    knowledge: tuple[str, ...] = (),
    type_ref: str | None = None,
) -> str:
    reqs = "".join(
        f'<informationRequirement><requiredDecision href="{h}"/></informationRequirement>'
        for h in decisions
    )
    reqs += "".join(
        f'<informationRequirement><requiredInput href="{h}"/></informationRequirement>'
        for h in inputs
    )
    reqs += "".join(
        f'<knowledgeRequirement><requiredKnowledge href="{h}"/></knowledgeRequirement>'
        for h in knowledge
    )
    typed = f' typeRef="{type_ref.replace("<", "&lt;")}"' if type_ref else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        f'<decision id="{id_}" name="{name}"><variable name="{name}"{typed}/>{reqs}'
        f"<literalExpression><text>{text}</text></literalExpression></decision>"
    )


def input_data(id_: str, name: str, type_ref: str | None = None) -> str:
    typed = f' typeRef="{type_ref}"' if type_ref else ""
    return f'<inputData id="{id_}" name="{name}"><variable name="{name}"{typed}/></inputData>'


# ---------------------------------------------------------------- order and scope


def test_decisions_evaluate_after_their_requirements_once_each() -> None:
    calls: list[str] = []

    def count(label: str) -> str:
        calls.append(label)
        return label

    body = (
        input_data("i_f", "counter")
        + literal("c", "Base", 'counter("base")', inputs=("#i_f",))
        + literal("b", "Middle", 'Base + "+middle"', decisions=("#c",))
        + literal("a", "Top Level", 'Middle + "|" + Base', decisions=("#b", "#c"))
    )
    models = dmn.loads(model(body))
    r = models.decide("Top Level", {"counter": count})
    assert r.value == "base+middle|base"
    assert calls == ["base"]
    assert list(r.results) == ["Base", "Middle", "Top Level"]
    assert r.results["Middle"] == "base+middle"
    # By id as well as by name.
    assert models.decide("a", {"counter": count}).value == "base+middle|base"


def test_a_decision_sees_only_what_it_requires() -> None:
    body = (
        input_data("i", "Secret")
        + literal("x", "Other", "1")
        + literal("d", "Peek", "Secret")
        + literal("e", "Peek Decision", "Other")
    )
    models = dmn.loads(model(body))
    r = models.decide("Peek", {"Secret": "s"})
    assert r.value is None
    assert any("Secret" in w for w in r.warnings)
    assert models.decide("Peek Decision", {}).value is None


def test_free_variables_are_seen_under_what_a_decision_requires() -> None:
    body = (
        input_data("i", "Age", "number")
        + literal("b", "Base", "bonus + 1")
        + literal("d", "Score", "Age + Base + extra", inputs=("#i",), decisions=("#b",))
    )
    models = dmn.loads(model(body))
    given = {"Age": 30, "bonus": 4, "extra": 100, "Base": 1000}
    # Without free variables a decision sees only its requirements.
    assert models.decide("Score", given).value is None
    r = models.decide("Score", given, free_variables=True)
    # Requirements win over a free variable of the same name (Base is the decision's 5).
    assert r.value == Decimal(135)
    # Declared input data are still type-checked: a string Age is null with a warning.
    r = models.decide("Score", {**given, "Age": "old"}, free_variables=True)
    assert r.value is None
    assert any("Age" in w for w in r.warnings)


def test_names_with_operators_lex_as_one_name() -> None:
    body = input_data("i", "Loan-to-Value") + literal(
        "d", "Risky?", "Loan-to-Value > 80", inputs=("#i",)
    )
    models = dmn.loads(model(body))
    assert models.decide("Risky?", {"Loan-to-Value": 90}).value is True


def test_missing_inputs_are_null_with_a_warning() -> None:
    body = input_data("i", "Age") + literal("d", "Adult", "Age >= 18", inputs=("#i",))
    r = dmn.loads(model(body)).decide("Adult", {})
    assert r.value is None
    assert any("'Age' has no value" in w for w in r.warnings)


def test_python_inputs_are_converted_and_results_are_feel_values() -> None:
    body = input_data("i", "Items") + literal("d", "Total", "sum(Items)", inputs=("#i",))
    assert dmn.loads(model(body)).decide("Total", {"Items": (1, 2.5)}).value == Decimal("3.5")


def test_unknown_decision_lists_the_available_ones() -> None:
    models = dmn.loads(model(literal("a", "Alpha", "1") + literal("b", "Beta", "2")))
    with pytest.raises(dmn.DmnError, match="no decision named 'Gamma'; available: 'Alpha', 'Beta'"):
        models.decide("Gamma", {})
    with pytest.raises(dmn.DmnError, match="no model named 'nope'"):
        models.decide("Alpha", {}, model="nope")
    assert models.names() == ["Alpha", "Beta"]


def test_requirement_cycles_are_refused_at_load() -> None:
    body = literal("a", "A", "B", decisions=("#b",)) + literal("b", "B", "A", decisions=("#a",))
    with pytest.raises(dmn.DmnError, match="cycle: A -> B -> A"):
        dmn.loads(model(body))


def test_requirements_of_missing_elements_and_models_are_refused() -> None:
    with pytest.raises(dmn.DmnError, match="does not exist"):
        dmn.loads(model(literal("a", "A", "1", decisions=("#nothing",))))
    with pytest.raises(dmn.DmnError, match="not loaded"):
        dmn.loads(model(literal("a", "A", "1", decisions=("urn:elsewhere#x",))))


def test_clock_feeds_now_and_today() -> None:
    fixed = dt.datetime(2024, 2, 29, 12, 0, tzinfo=dt.UTC)
    models = dmn.loads(model(literal("d", "Today", "today()")), clock=lambda: fixed)
    assert models.decide("Today", {}).value == dt.date(2024, 2, 29)


# ---------------------------------------------------------------- knowledge models


BKM = """
<businessKnowledgeModel id="b_fee" name="Fee">
  <variable name="Fee"/>
  <encapsulatedLogic>
    <formalParameter name="amount" typeRef="number"/>
    <formalParameter name="rate"/>
    <literalExpression><text>amount * rate</text></literalExpression>
  </encapsulatedLogic>
</businessKnowledgeModel>
<businessKnowledgeModel id="b_fact" name="factorial">
  <variable name="factorial"/>
  <encapsulatedLogic>
    <formalParameter name="n" typeRef="number"/>
    <literalExpression>
      <text>if n &lt;= 1 then 1 else n * factorial(n - 1)</text>
    </literalExpression>
  </encapsulatedLogic>
</businessKnowledgeModel>
<businessKnowledgeModel id="b_java" name="Java Thing">
  <encapsulatedLogic kind="Java"><formalParameter name="x"/></encapsulatedLogic>
</businessKnowledgeModel>
<decision id="d_boxed" name="Boxed Fee">
  <knowledgeRequirement><requiredKnowledge href="#b_fee"/></knowledgeRequirement>
  <invocation>
    <literalExpression><text>Fee</text></literalExpression>
    <binding><parameter name="rate"/>
      <literalExpression><text>0.5</text></literalExpression></binding>
    <binding><parameter name="amount"/>
      <literalExpression><text>10</text></literalExpression></binding>
  </invocation>
</decision>
<decision id="d_bad_binding" name="Bad Binding">
  <knowledgeRequirement><requiredKnowledge href="#b_fee"/></knowledgeRequirement>
  <invocation>
    <literalExpression><text>Fee</text></literalExpression>
    <binding><parameter name="amount2"/>
      <literalExpression><text>10</text></literalExpression></binding>
  </invocation>
</decision>
"""


def test_business_knowledge_models_are_functions() -> None:
    body = (
        BKM
        + literal("d1", "Literal Fee", "Fee(200, 0.1)", knowledge=("#b_fee",))
        + literal("d2", "Wrong Type", 'Fee("200", 0.1)', knowledge=("#b_fee",))
        + literal("d3", "Fact", "factorial(5)", knowledge=("#b_fact",))
        + literal("d4", "Java", "Java Thing(1)", knowledge=("#b_java",))
    )
    models = dmn.loads(model(body))
    assert models.decide("Literal Fee", {}).value == Decimal(20)
    assert models.decide("Boxed Fee", {}).value == Decimal(5)
    assert models.decide("Fact", {}).value == Decimal(120)
    r = models.decide("Wrong Type", {})
    assert r.value is None
    assert any("argument 'amount'" in w for w in r.warnings)
    r = models.decide("Bad Binding", {})
    assert r.value is None
    assert any("amount2" in w for w in r.warnings)
    r = models.decide("Java", {})
    assert r.value is None
    assert any("Java functions are not supported" in w for w in r.warnings)


def test_tables_inside_knowledge_models_report_their_rules() -> None:
    body = """
<businessKnowledgeModel id="b" name="Grade">
  <encapsulatedLogic><formalParameter name="score"/>
    <decisionTable hitPolicy="FIRST">
      <input id="i"><inputExpression><text>score</text></inputExpression></input>
      <output id="o"/>
      <rule id="A"><inputEntry><text>&gt;= 90</text></inputEntry>
        <outputEntry><text>"A"</text></outputEntry></rule>
      <rule id="B"><inputEntry><text>-</text></inputEntry>
        <outputEntry><text>"B"</text></outputEntry></rule>
    </decisionTable>
  </encapsulatedLogic>
</businessKnowledgeModel>""" + literal("d", "Grades", "[Grade(95), Grade(50)]", knowledge=("#b",))
    r = dmn.loads(model(body)).decide("Grades", {})
    assert r.value == ["A", "B"]
    assert r.matches == (
        dmn.RuleMatch("b", "Grade", (1,), ("A",)),
        dmn.RuleMatch("b", "Grade", (2,), ("B",)),
    )


# ---------------------------------------------------------------- decision services


SERVICE = (
    input_data("i_a", "a", "string")
    + input_data("i_b", "b", "string")
    + literal("d_in", "In Decision", '"computed"')
    + literal("d_out1", "Out One", 'a + "/" + In Decision', decisions=("#d_in",), inputs=("#i_a",))
    + literal("d_out2", "Out Two", 'b + "!"', inputs=("#i_b",))
    + """
<decisionService id="s1" name="Single">
  <outputDecision href="#d_out1"/><inputDecision href="#d_in"/><inputData href="#i_a"/>
</decisionService>
<decisionService id="s2" name="Double">
  <outputDecision href="#d_out1"/><outputDecision href="#d_out2"/>
  <encapsulatedDecision href="#d_in"/>
  <inputData href="#i_a"/><inputData href="#i_b"/>
</decisionService>"""
    + literal("c1", "Call Single", 'Single("x", "given")', knowledge=("#s1",))
    + literal("c2", "Call Named", 'Single(In Decision: "n", a: "y")', knowledge=("#s1",))
    + literal("c3", "Call Double", 'Double("p", "q")', knowledge=("#s2",))
    + literal("c4", "Call Badly", 'Single(1, "given")', knowledge=("#s1",))
)


def test_invoking_a_decision_service_directly() -> None:
    models = dmn.loads(model(SERVICE))
    r = models.invoke("Single", {"a": "x", "In Decision": "given"})
    assert r.value == "x/given"
    assert r.results["Out One"] == "x/given"
    r = models.invoke("Double", {"a": "x", "b": "y"})
    assert r.value == {"Out One": "x/computed", "Out Two": "y!"}
    assert r.results["Out Two"] == "y!"
    # Parameters absent from the inputs are null.
    assert models.invoke("Single", {"In Decision": "z"}).value is None
    with pytest.raises(dmn.DmnError, match="no decision service named 'Triple'"):
        models.invoke("Triple", {})


def test_decision_services_are_functions_inside_decisions() -> None:
    models = dmn.loads(model(SERVICE))
    # Positional parameters: input data first, then input decisions.
    assert models.decide("Call Single", {}).value == "x/given"
    assert models.decide("Call Named", {}).value == "y/n"
    assert models.decide("Call Double", {}).value == {"Out One": "p/computed", "Out Two": "q!"}
    r = models.decide("Call Badly", {})
    assert r.value is None
    assert any("parameter 'a'" in w for w in r.warnings)


def test_a_decision_service_does_not_see_the_callers_inputs() -> None:
    models = dmn.loads(model(SERVICE))
    r = models.decide("Call Double", {"a": "outer", "b": "outer"})
    assert r.value == {"Out One": "p/computed", "Out Two": "q!"}


# ---------------------------------------------------------------- imports


IMPORTED = model(
    """
<itemDefinition name="tPerson">
  <itemComponent name="name"><typeRef>string</typeRef></itemComponent>
  <itemComponent name="age"><typeRef>number</typeRef></itemComponent>
</itemDefinition>
<businessKnowledgeModel id="b_hello" name="Say Hello">
  <encapsulatedLogic><formalParameter name="p" typeRef="tPerson"/>
    <literalExpression><text>"Hello " + p.name</text></literalExpression>
  </encapsulatedLogic>
</businessKnowledgeModel>"""
    + input_data("i_greet", "Greeting Word", "string")
    + literal("d_word", "Word", 'Greeting Word + "!"', inputs=("#i_greet",)),
    name="lib",
    namespace="urn:lib",
)

IMPORTING = model(
    f"""
<import namespace="urn:lib" name="lib" importType="{NS}"/>
{input_data("i_person", "Person", "lib.tPerson")}
"""
    + literal(
        "d_main",
        "Greet",
        'lib.Say Hello(Person) + " " + lib.Word',
        inputs=("#i_person",),
        knowledge=("urn:lib#b_hello",),
        decisions=("urn:lib#d_word",),
    ),
)


def test_imported_elements_are_seen_with_the_import_prefix() -> None:
    models = dmn.loads(IMPORTING, IMPORTED)
    person = {"name": "Ann", "age": 30}
    inputs: dict[str, Any] = {"Person": person, "lib.Greeting Word": "Hi"}
    r = models.decide("Greet", inputs)
    assert r.value == "Hello Ann Hi!"
    assert r.results["lib.Word"] == "Hi!"
    # Inputs of imported models: nested under the import name, or by namespace.
    assert models.decide("Greet", {"Person": person, "lib": {"Greeting Word": "Yo"}}).value == (
        "Hello Ann Yo!"
    )
    assert models.decide("Greet", {"Person": person, "{urn:lib}Greeting Word": "Hey"}).value == (
        "Hello Ann Hey!"
    )
    # The importing model is the default; the imported one is reachable by name.
    assert models.names() == ["Greet"]
    assert models.names("lib") == ["Word"]
    assert models.decide("Word", {"Greeting Word": "Hi"}, model="urn:lib").value == "Hi!"


def test_imported_item_definitions_type_the_importing_model() -> None:
    models = dmn.loads(IMPORTED, IMPORTING)
    r = models.decide("Greet", {"Person": {"name": "Ann"}, "lib.Greeting Word": "Hi"})
    assert r.value is None  # Person lacks `age`: it is null, and so is the greeting
    assert any("input data 'Person'" in w for w in r.warnings)


def test_nested_imports_resolve_inputs_along_the_import_path() -> None:
    middle = model(
        f'<import namespace="urn:lib" name="base" importType="{NS}"/>'
        + literal("d_mid", "Middle", 'base.Word + "?"', decisions=("urn:lib#d_word",)),
        name="middle",
        namespace="urn:middle",
    )
    top = model(
        f'<import namespace="urn:middle" name="mid" importType="{NS}"/>'
        + literal("d_top", "Top", "mid.Middle", decisions=("urn:middle#d_mid",)),
        name="top",
        namespace="urn:top",
    )
    models = dmn.loads(top, middle, IMPORTED)
    assert models.decide("Top", {"mid": {"base": {"Greeting Word": "Hi"}}}).value == "Hi!?"
    assert models.decide("Top", {"mid.base.Greeting Word": "Yo"}).value == "Yo!?"


# ---------------------------------------------------------------- item definitions


TYPES = """
<itemDefinition name="tAge"><typeRef>number</typeRef>
  <allowedValues><text>[0..150]</text></allowedValues></itemDefinition>
<itemDefinition name="tSmall"><typeRef>number</typeRef>
  <typeConstraint><text>&lt; 10</text></typeConstraint></itemDefinition>
<itemDefinition name="tNumbers" isCollection="true"><typeRef>number</typeRef></itemDefinition>
<itemDefinition name="tPerson">
  <itemComponent name="name"><typeRef>string</typeRef></itemComponent>
  <itemComponent name="age"><typeRef>tAge</typeRef></itemComponent>
</itemDefinition>
<itemDefinition name="tPeople" isCollection="true"><typeRef>tPerson</typeRef></itemDefinition>
<itemDefinition name="tStamp"><typeRef>date and time</typeRef></itemDefinition>
"""


def typed(name: str, type_ref: str, text: str) -> str:
    return literal(name, name, text, type_ref=type_ref)


@pytest.mark.parametrize(
    ("type_ref", "text", "expected"),
    [
        ("number", "1 + 1", Decimal(2)),
        ("string", "1 + 1", None),
        ("tAge", "42", Decimal(42)),
        ("tAge", "200", None),
        ("tSmall", "9", Decimal(9)),
        ("tSmall", "10", None),
        ("tNumbers", "[1, 2]", [Decimal(1), Decimal(2)]),
        ("tNumbers", '[1, "2"]', None),
        ("tNumbers", "[1, null]", [Decimal(1), None]),
        ("tNumbers", "null", None),
        # DMN 1.5 implicit conversions.
        ("tNumbers", "5", [Decimal(5)]),  # item to singleton list
        ("number", "[5]", Decimal(5)),  # singleton list to item
        ("number", "[[5]]", None),  # only one level
        ("number", '["5"]', None),
        ("tStamp", 'date("2024-01-02")', dt.datetime(2024, 1, 2, tzinfo=dt.UTC)),
        ("tPerson", '{name: "Al", age: 30, extra: true}', {"name": "Al", "age": 30, "extra": True}),
        ("tPerson", '{name: "Al", age: null}', {"name": "Al", "age": None}),
        ("tPerson", '{name: "Al"}', None),  # missing component
        ("tPerson", '{name: "Al", age: 300}', None),  # component outside its allowed values
        ("tPeople", '[{name: "Al", age: 1}]', [{"name": "Al", "age": 1}]),
        ("list<number>", "[1]", [Decimal(1)]),
        ("context<a: number>", '{a: "x"}', None),
        ("Any", '"x"', "x"),
    ],
)
def test_decision_values_must_conform_to_their_type(
    type_ref: str, text: str, expected: Any
) -> None:
    models = dmn.loads(model(TYPES + typed("D", type_ref, text)))
    r = models.decide("D", {})
    assert r.value == expected
    if expected is None and text != "null":
        assert any("does not conform" in w for w in r.warnings)


def test_input_data_values_are_checked_against_their_type() -> None:
    body = TYPES + input_data("i", "Age", "tAge") + literal("d", "Next", "Age + 1", inputs=("#i",))
    models = dmn.loads(model(body))
    assert models.decide("Next", {"Age": 41}).value == Decimal(42)
    r = models.decide("Next", {"Age": 151})
    assert r.value is None
    assert any("input data 'Age'" in w and "tAge" in w for w in r.warnings)
    assert models.decide("Next", {"Age": [41]}).value == Decimal(42)


def test_boxed_expression_type_refs_are_checked() -> None:
    body = """
<decision id="d" name="D"><context>
  <contextEntry><variable name="n" typeRef="number"/>
    <literalExpression><text>"not a number"</text></literalExpression></contextEntry>
  <contextEntry>
    <literalExpression typeRef="string"><text>n</text></literalExpression></contextEntry>
</context></decision>"""
    r = dmn.loads(model(body)).decide("D", {})
    assert r.value is None
    assert any("context entry 'n'" in w for w in r.warnings)


def test_instance_of_sees_item_definitions_without_their_constraints() -> None:
    body = TYPES + typed(
        "D",
        "Any",
        '[300 instance of tAge, "x" instance of tAge, '
        '{name: "a", age: 1} instance of tPerson, null instance of tAge]',
    )
    assert dmn.loads(model(body)).decide("D", {}).value == [True, False, True, False]


def test_unknown_type_refs_are_refused_at_load() -> None:
    with pytest.raises(dmn.DmnError, match="unknown type 'tNothing'"):
        dmn.loads(model(typed("D", "tNothing", "1")))


def test_function_items_type_functions_and_decision_service_results() -> None:
    body = (
        """
<itemDefinition name="tUnary"><functionItem outputTypeRef="string">
  <parameters name="x" typeRef="number"/></functionItem></itemDefinition>
<decisionService id="s" name="Service"><variable name="Service" typeRef="tUnary"/>
  <outputDecision href="#d_num"/></decisionService>"""
        + literal("d_num", "Number", "1000")
        + typed("Fn", "tUnary", "function(x) string(x)")
        + typed("Not Fn", "tUnary", "1")
        + literal("d_call", "Call", "Service()", knowledge=("#s",))
    )
    models = dmn.loads(model(body))
    assert models.decide("Fn", {}).value is not None
    assert models.decide("Not Fn", {}).value is None
    # The service's output (a number) does not conform to its output type (string).
    r = models.invoke("Service", {})
    assert r.value is None
    assert r.results["Number"] is None
    assert models.decide("Call", {}).value is None


def test_boxed_control_expressions_need_booleans() -> None:
    body = """
<decision id="d" name="D"><context>
  <contextEntry><variable name="cond"/><conditional>
    <if><literalExpression><text>"yes"</text></literalExpression></if>
    <then><literalExpression><text>1</text></literalExpression></then>
    <else><literalExpression><text>2</text></literalExpression></else></conditional>
  </contextEntry>
  <contextEntry><variable name="null cond"/><conditional>
    <if><literalExpression><text>null</text></literalExpression></if>
    <then><literalExpression><text>1</text></literalExpression></then>
    <else><literalExpression><text>2</text></literalExpression></else></conditional>
  </contextEntry>
  <contextEntry><variable name="filtered"/><filter>
    <in><literalExpression><text>[1, 2, 3]</text></literalExpression></in>
    <match><literalExpression><text>if item = 3 then "x" else item &lt; 2</text>
    </literalExpression></match></filter>
  </contextEntry>
  <contextEntry><variable name="some"/><some iteratorVariable="i">
    <in><literalExpression><text>[1, 2]</text></literalExpression></in>
    <satisfies><literalExpression><text>if i = 2 then true else "x"</text>
    </literalExpression></satisfies></some>
  </contextEntry>
  <contextEntry><variable name="typed rows"/><relation>
    <column name="n" typeRef="number"/>
    <row><literalExpression><text>1</text></literalExpression></row>
    <row><literalExpression><text>"two"</text></literalExpression></row>
  </relation></contextEntry>
</context></decision>"""
    r = dmn.loads(model(body)).decide("D", {})
    assert r.value == {
        "cond": None,
        "null cond": Decimal(2),
        "filtered": None,
        "some": None,
        "typed rows": [{"n": Decimal(1)}, {"n": None}],
    }
    assert len(r.warnings) == 4
