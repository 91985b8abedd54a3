"""The DMN XML parser: the five DMN namespaces, every boxed expression, item definitions,
imports, and the errors a model author meets (malformed or unsafe XML, bad FEEL)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from regista import dmn
from regista.dmn.parser import DMN_NAMESPACES, parse_bytes, parse_file
from regista.model import dmn as m

NS15 = "https://www.omg.org/spec/DMN/20230324/MODEL/"


def model(body: str, ns: str = NS15, name: str = "m", namespace: str = "urn:m") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<definitions xmlns="{ns}" id="defs" name="{name}" namespace="{namespace}">\n'
        f"{body}\n</definitions>\n"
    )


GREETING = """
  <inputData id="i_name" name="Full Name"><variable name="Full Name" typeRef="string"/></inputData>
  <decision id="d_greet" name="Greeting">
    <variable name="Greeting" typeRef="string"/>
    <informationRequirement><requiredInput href="#i_name"/></informationRequirement>
    <literalExpression><text>"Hello " + Full Name</text></literalExpression>
  </decision>
"""


@pytest.mark.parametrize(("ns", "version"), sorted(DMN_NAMESPACES.items()))
def test_every_dmn_namespace_is_accepted(ns: str, version: str) -> None:
    d = parse_bytes(model(GREETING, ns))
    assert d.dmn_version == version
    assert [x.name for x in d.decisions] == ["Greeting"]
    models = dmn.loads(model(GREETING, ns))
    assert models.decide("Greeting", {"Full Name": "Ada"}).value == "Hello Ada"


def test_dmn_1_1_qualified_type_refs_lose_their_prefix() -> None:
    body = """
      <decision id="d" name="D">
        <variable name="D" typeRef="feel:number"/>
        <literalExpression><text>1 + 1</text></literalExpression>
      </decision>"""
    ns = "http://www.omg.org/spec/DMN/20151101/dmn.xsd"
    d = parse_bytes(model(body, ns))
    assert d.decisions[0].variable.type_ref == "number"
    assert dmn.loads(model(body, ns)).decide("D", {}).value == Decimal(2)


def test_a_document_that_is_not_dmn_is_refused() -> None:
    with pytest.raises(dmn.DmnError, match="not a DMN model"):
        parse_bytes(b'<definitions xmlns="urn:other"/>')


def test_malformed_xml_names_the_line() -> None:
    text = model('<decision id="d" name="D">\n<literalExpression>\n</decision>')
    with pytest.raises(dmn.DmnError, match="malformed XML") as e:
        parse_bytes(text, file="bad.dmn")
    assert e.value.file == "bad.dmn"
    assert e.value.line == 5  # where </decision> meets the open <literalExpression>
    assert str(e.value).startswith("bad.dmn:5: ")


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE definitions [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE definitions SYSTEM "http://example.com/evil.dtd">',
        '<!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;">]>',
    ],
)
def test_doctype_and_entities_are_refused(prolog: str) -> None:
    text = f'<?xml version="1.0"?>\n{prolog}\n<definitions xmlns="{NS15}" name="&x;"/>'
    with pytest.raises(dmn.DmnError, match="DOCTYPE or entity") as e:
        parse_bytes(text.encode())
    assert e.value.line == 2


def test_a_feel_syntax_error_in_a_cell_names_decision_rule_and_caret() -> None:
    body = """
  <inputData id="i" name="Age"/>
  <decision id="d_risk" name="Risk">
    <informationRequirement><requiredInput href="#i"/></informationRequirement>
    <decisionTable>
      <input id="in1"><inputExpression><text>Age</text></inputExpression></input>
      <output id="o1" name="risk"/>
      <rule id="r_low"><inputEntry><text>&lt; 18</text></inputEntry>
        <outputEntry><text>"low"</text></outputEntry></rule>
      <rule id="r_high"><inputEntry><text>&gt;= 18 +</text></inputEntry>
        <outputEntry><text>"high"</text></outputEntry></rule>
    </decisionTable>
  </decision>"""
    with pytest.raises(dmn.DmnError) as e:
        dmn.loads(model(body))
    message = str(e.value)
    assert e.value.element_id == "d_risk"
    assert e.value.line == 12
    assert "decision 'Risk' (id 'd_risk')" in message
    assert "rule 2 (r_high), input entry 1" in message
    assert message.endswith("\n  >= 18 +\n         ^")  # the caret after the `+`


def test_a_feel_syntax_error_in_an_output_entry_and_a_literal() -> None:
    table = """
  <decision id="d" name="D">
    <decisionTable>
      <input id="in1"><inputExpression><text>1</text></inputExpression></input>
      <output id="o1"/>
      <rule id="r1"><inputEntry><text>-</text></inputEntry>
        <outputEntry><text>1 +* 2</text></outputEntry></rule>
    </decisionTable>
  </decision>"""
    with pytest.raises(dmn.DmnError, match=r"rule 1 \(r1\), output entry 1"):
        dmn.loads(model(table))
    literal = (
        '<decision id="d" name="D"><literalExpression><text>if x</text></literalExpression>'
        "</decision>"
    )
    with pytest.raises(dmn.DmnError, match="literal expression"):
        dmn.loads(model(literal))


def test_missing_required_attributes_name_the_line() -> None:
    with pytest.raises(dmn.DmnError, match="needs a 'name'") as e:
        parse_bytes(model('<decision id="d">\n</decision>'))
    assert e.value.line == 3
    assert e.value.element_id == "d"


def test_rules_must_fill_every_column() -> None:
    body = """<decision id="d" name="D"><decisionTable>
      <input id="a"><inputExpression><text>1</text></inputExpression></input>
      <input id="b"><inputExpression><text>2</text></inputExpression></input>
      <output id="o"/>
      <rule id="r1"><inputEntry><text>-</text></inputEntry>
        <outputEntry><text>1</text></outputEntry></rule>
    </decisionTable></decision>"""
    with pytest.raises(dmn.DmnError, match="rule 1 has 1 input and 1 output entries"):
        parse_bytes(model(body))


def test_unknown_hit_policy_is_refused() -> None:
    body = """<decision id="d" name="D"><decisionTable hitPolicy="SOMETIMES">
      <input id="a"><inputExpression><text>1</text></inputExpression></input><output id="o"/>
    </decisionTable></decision>"""
    with pytest.raises(dmn.DmnError, match="unknown hit policy 'SOMETIMES'"):
        parse_bytes(model(body))


def test_decision_table_model() -> None:
    body = """<decision id="d" name="D"><decisionTable id="t" hitPolicy="COLLECT" aggregation="SUM"
        outputLabel="Total">
      <input id="a" label="Amount">
        <inputExpression typeRef="number"><text>x</text></inputExpression>
        <inputValues><text>[0..100]</text></inputValues></input>
      <output id="o" name="total" typeRef="number"><outputValues><text>1,2</text></outputValues>
        <defaultOutputEntry><text>0</text></defaultOutputEntry></output>
      <annotation name="Why"/>
      <rule id="r1"><inputEntry id="c1"><text>&gt; 5</text></inputEntry>
        <outputEntry id="c2"><text>1</text></outputEntry>
        <annotationEntry><text>big</text></annotationEntry></rule>
    </decisionTable></decision>"""
    t = parse_bytes(model(body)).decisions[0].expression
    assert isinstance(t, m.DecisionTable)
    assert t.hit_policy is m.HitPolicy.COLLECT
    assert t.aggregation is m.Aggregation.SUM
    assert t.output_label == "Total"
    assert t.annotations == ("Why",)
    assert t.inputs[0].label == "Amount"
    assert t.inputs[0].expression.text == "x"
    assert t.inputs[0].input_values is not None
    assert t.inputs[0].input_values.text == "[0..100]"
    o = t.outputs[0]
    assert (o.name, o.type_ref) == ("total", "number")
    assert o.output_values is not None and o.output_values.text == "1,2"
    assert o.default_output_entry is not None and o.default_output_entry.text == "0"
    rule = t.rules[0]
    assert rule.id == "r1"
    assert rule.input_entries[0] == m.Cell("> 5", "c1", rule.input_entries[0].line)
    assert rule.annotations == ("big",)


BOXED = """
<decision id="d" name="D">
  <context id="ctx">
    <contextEntry><variable name="rel"/>
      <relation><column name="a"/><column name="b"/>
        <row><literalExpression><text>1</text></literalExpression>
             <literalExpression><text>"x"</text></literalExpression></row>
      </relation></contextEntry>
    <contextEntry><variable name="lst"/>
      <list><literalExpression><text>1</text></literalExpression>
            <literalExpression><text>2</text></literalExpression></list></contextEntry>
    <contextEntry><variable name="fn"/>
      <functionDefinition kind="FEEL"><formalParameter name="n" typeRef="number"/>
        <literalExpression><text>n * 2</text></literalExpression>
      </functionDefinition></contextEntry>
    <contextEntry><variable name="java"/>
      <functionDefinition kind="Java"><context/></functionDefinition></contextEntry>
    <contextEntry><variable name="inv"/>
      <invocation><literalExpression><text>fn</text></literalExpression>
        <binding><parameter name="n"/>
          <literalExpression><text>21</text></literalExpression></binding>
      </invocation></contextEntry>
    <contextEntry><variable name="cond"/>
      <conditional><if><literalExpression><text>inv > 40</text></literalExpression></if>
        <then><literalExpression><text>"big"</text></literalExpression></then>
        <else><literalExpression><text>"small"</text></literalExpression></else></conditional>
    </contextEntry>
    <contextEntry><variable name="doubled"/>
      <for iteratorVariable="i"><in><literalExpression><text>lst</text></literalExpression></in>
        <return><literalExpression><text>i * 2</text></literalExpression></return></for>
    </contextEntry>
    <contextEntry><variable name="any"/>
      <some iteratorVariable="i"><in><literalExpression><text>lst</text></literalExpression></in>
        <satisfies><literalExpression><text>i > 1</text></literalExpression></satisfies></some>
    </contextEntry>
    <contextEntry><variable name="all"/>
      <every iteratorVariable="i"><in><literalExpression><text>lst</text></literalExpression></in>
        <satisfies><literalExpression><text>i > 1</text></literalExpression></satisfies></every>
    </contextEntry>
    <contextEntry><variable name="big"/>
      <filter><in><literalExpression><text>lst</text></literalExpression></in>
        <match><literalExpression><text>item > 1</text></literalExpression></match></filter>
    </contextEntry>
  </context>
</decision>"""


def test_every_boxed_expression_is_read() -> None:
    ctx = parse_bytes(model(BOXED)).decisions[0].expression
    assert isinstance(ctx, m.Context)
    kinds = {e.variable.name: type(e.value) for e in ctx.entries if e.variable is not None}
    assert kinds == {
        "rel": m.Relation,
        "lst": m.ListExpression,
        "fn": m.FunctionDefinition,
        "java": m.FunctionDefinition,
        "inv": m.Invocation,
        "cond": m.Conditional,
        "doubled": m.Iteration,
        "any": m.Iteration,
        "all": m.Iteration,
        "big": m.Filter,
    }
    values = {e.variable.name: e.value for e in ctx.entries if e.variable is not None}
    fn = values["fn"]
    assert isinstance(fn, m.FunctionDefinition)
    assert fn.parameters == (m.InformationItem("n", "number"),)
    java = values["java"]
    assert isinstance(java, m.FunctionDefinition) and java.kind is m.FunctionKind.JAVA
    some = values["any"]
    assert isinstance(some, m.Iteration) and some.kind is m.IteratorKind.SOME
    assert some.variable == "i"


def test_every_boxed_expression_evaluates() -> None:
    value = dmn.loads(model(BOXED)).decide("D", {}).value
    assert value["rel"] == [{"a": Decimal(1), "b": "x"}]
    assert value["lst"] == [Decimal(1), Decimal(2)]
    assert value["inv"] == Decimal(42)
    assert value["cond"] == "big"
    assert value["doubled"] == [Decimal(2), Decimal(4)]
    assert value["any"] is True
    assert value["all"] is False
    assert value["big"] == [Decimal(2)]


def test_item_definitions_and_imports_are_read() -> None:
    body = """
  <import namespace="urn:other" name="other" importType="https://www.omg.org/spec/DMN/20230324/MODEL/"
    locationURI="other.dmn"/>
  <itemDefinition name="tPerson" id="t1" label="Person">
    <itemComponent name="name"><typeRef>string</typeRef></itemComponent>
    <itemComponent name="age"><typeRef>number</typeRef>
      <allowedValues><text>[0..150]</text></allowedValues></itemComponent>
  </itemDefinition>
  <itemDefinition name="tPeople" isCollection="true"><typeRef>tPerson</typeRef></itemDefinition>
  <itemDefinition name="tSmall"><typeRef>number</typeRef>
    <typeConstraint><text>&lt; 10</text></typeConstraint></itemDefinition>
  <itemDefinition name="tFn"><functionItem outputTypeRef="string">
    <parameters name="a" typeRef="number"/></functionItem></itemDefinition>"""
    d = parse_bytes(model(body))
    assert d.imports == (m.Import("urn:other", "other", NS15, "other.dmn", d.imports[0].line),)
    person, people, small, fn = d.item_definitions
    assert person.label == "Person"
    assert [c.name for c in person.components] == ["name", "age"]
    assert person.components[1].allowed_values == "[0..150]"
    assert people.is_collection and people.type_ref == "tPerson"
    assert small.type_constraint == "< 10"
    assert fn.function_item == m.FunctionItem((m.InformationItem("a", "number"),), "string")


def test_drg_elements_are_read() -> None:
    body = """
  <businessKnowledgeModel id="b" name="Double">
    <encapsulatedLogic><formalParameter name="x"/>
      <literalExpression><text>x * 2</text></literalExpression></encapsulatedLogic>
  </businessKnowledgeModel>
  <decisionService id="s" name="Service">
    <outputDecision href="#d"/><encapsulatedDecision href="#e"/>
    <inputDecision href="#f"/><inputData href="#i"/>
  </decisionService>
  <decision id="d" name="D">
    <question>What?</question>
    <informationRequirement><requiredDecision href="urn:x#e"/></informationRequirement>
    <knowledgeRequirement><requiredKnowledge href="#b"/></knowledgeRequirement>
  </decision>"""
    d = parse_bytes(model(body))
    bkm = d.knowledge_models[0]
    assert bkm.logic is not None and bkm.logic.parameters[0].name == "x"
    s = d.decision_services[0]
    assert s.output_decisions == (m.Href("", "d"),)
    assert s.encapsulated_decisions == (m.Href("", "e"),)
    assert s.input_decisions == (m.Href("", "f"),)
    assert s.input_data == (m.Href("", "i"),)
    dec = d.decisions[0]
    assert dec.question == "What?"
    assert dec.required_decisions == (m.Href("urn:x", "e"),)
    assert dec.required_knowledge == (m.Href("", "b"),)
    assert dec.expression is None


def test_load_accepts_paths_directories_bytes_and_text(tmp_path: Path) -> None:
    f = tmp_path / "greeting.dmn"
    f.write_text(model(GREETING), encoding="utf-8")
    inputs = {"Full Name": "Bo"}
    assert dmn.load(f).decide("Greeting", inputs).value == "Hello Bo"
    assert dmn.load(str(f)).decide("Greeting", inputs).value == "Hello Bo"
    assert dmn.load(tmp_path).decide("Greeting", inputs).value == "Hello Bo"
    assert dmn.load(model(GREETING).encode()).decide("Greeting", inputs).value == "Hello Bo"
    assert dmn.loads(model(GREETING)).decide("Greeting", inputs).value == "Hello Bo"
    assert dmn.load(model(GREETING)).decide("Greeting", inputs).value == "Hello Bo"
    assert parse_file(f).file == str(f)


def test_missing_files_and_empty_directories_are_errors(tmp_path: Path) -> None:
    with pytest.raises(dmn.DmnError, match="cannot read"):
        dmn.load(tmp_path / "nope.dmn")
    with pytest.raises(dmn.DmnError, match=r"no \.dmn files"):
        dmn.load(tmp_path)


def test_errors_carry_the_file_name(tmp_path: Path) -> None:
    f = tmp_path / "broken.dmn"
    f.write_text(
        model(
            '<decision id="d" name="D"><literalExpression><text>)</text>'
            "</literalExpression></decision>"
        )
    )
    with pytest.raises(dmn.DmnError) as e:
        dmn.load(f)
    assert e.value.file == str(f)
    assert e.value.line == 3
