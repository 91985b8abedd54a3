"""DMN checks before deployment: every FEEL text compiled (rule and column named), the
requirement graph (cycles, references to nothing) and the names each decision reads."""

from __future__ import annotations

from regista.dmn.checks import check, reads
from regista.dmn.parser import parse_bytes

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="d" '
    'namespace="http://example.com/d">'
)


def dmn(body: str) -> str:
    return HEAD + body + "</definitions>"


TABLE = """
<inputData id="i_amount" name="amount"/>
<decision id="d_risk" name="risk">
  <informationRequirement><requiredInput href="#i_amount"/></informationRequirement>
  <decisionTable id="t1">
    <input id="in1" label="Amount"><inputExpression typeRef="number"><text>amount</text>
    </inputExpression></input>
    <input id="in2" label="Country"><inputExpression><text>customer.country</text>
    </inputExpression></input>
    <output id="o1" name="risk" typeRef="string"/>
    <rule id="r1"><inputEntry><text>&lt; 10</text></inputEntry><inputEntry><text>-</text>
      </inputEntry><outputEntry><text>"low"</text></outputEntry></rule>
    <rule id="r2"><inputEntry><text>{entry}</text></inputEntry><inputEntry><text>"DE"</text>
      </inputEntry><outputEntry><text>{output}</text></outputEntry></rule>
  </decisionTable>
</decision>
"""


def test_a_valid_table_has_no_problems() -> None:
    assert check(parse_bytes(dmn(TABLE.format(entry="&gt;= 10", output='"high"')))) == []


def test_an_input_entry_that_is_not_feel_names_the_rule_the_column_and_the_position() -> None:
    found = check(parse_bytes(dmn(TABLE.format(entry="&gt;= 10 &lt;", output='"high"'))))
    assert len(found) == 1
    problem = found[0]
    assert problem.severity == "error" and problem.element_id == "d_risk"
    assert "rule 2 (r2), input column 1 ('Amount')" in problem.message
    assert "column 8" in problem.message


def test_an_output_entry_that_is_not_feel_is_an_error() -> None:
    found = check(parse_bytes(dmn(TABLE.format(entry="-", output='"high" +'))))
    assert [p.message.split(":")[0] for p in found] == [
        "decision 'risk', rule 2 (r2), output column 1 ('risk')"
    ]


def test_a_literal_expression_and_a_boxed_context_entry_are_compiled() -> None:
    body = """
<decision id="d1" name="total"><literalExpression><text>price * (1 + vat</text>
</literalExpression></decision>
<decision id="d2" name="offer"><context>
  <contextEntry><variable name="base"/><literalExpression><text>10 +</text></literalExpression>
  </contextEntry>
  <contextEntry><literalExpression><text>base * 2</text></literalExpression></contextEntry>
</context></decision>
"""
    found = {p.element_id: p.message for p in check(parse_bytes(dmn(body)))}
    assert "literal expression" in found["d1"] and "not valid FEEL" in found["d1"]
    assert "context entry 'base'" in found["d2"]


def test_required_decisions_in_a_cycle_are_an_error_naming_every_id() -> None:
    body = """
<decision id="a" name="A"><informationRequirement><requiredDecision href="#b"/>
</informationRequirement><literalExpression><text>B</text></literalExpression></decision>
<decision id="b" name="B"><informationRequirement><requiredDecision href="#c"/>
</informationRequirement><literalExpression><text>C</text></literalExpression></decision>
<decision id="c" name="C"><informationRequirement><requiredDecision href="#a"/>
</informationRequirement><literalExpression><text>A</text></literalExpression></decision>
"""
    found = [p for p in check(parse_bytes(dmn(body))) if "cycle" in p.message]
    assert len(found) == 1
    assert "'A' (a) -> 'B' (b) -> 'C' (c) -> 'A' (a)" in found[0].message


def test_requirements_that_point_to_nothing_are_errors() -> None:
    body = """
<decision id="a" name="A">
  <informationRequirement><requiredDecision href="#nowhere"/></informationRequirement>
  <informationRequirement><requiredInput href="#no_input"/></informationRequirement>
  <knowledgeRequirement><requiredKnowledge href="#no_bkm"/></knowledgeRequirement>
  <literalExpression><text>1</text></literalExpression>
</decision>
"""
    messages = [p.message for p in check(parse_bytes(dmn(body)))]
    assert any("decision 'nowhere'" in m for m in messages)
    assert any("input data 'no_input'" in m for m in messages)
    assert any("business knowledge model 'no_bkm'" in m for m in messages)
    assert len(messages) == 3


def test_reads_lists_the_input_names_a_decision_needs_through_its_requirements() -> None:
    body = (
        TABLE.format(entry="-", output='"high"')
        + """
<decision id="d_offer" name="offer">
  <informationRequirement><requiredDecision href="#d_risk"/></informationRequirement>
  <literalExpression><text>if risk = "low" then for x in items return x * discount
  else null</text></literalExpression>
</decision>
"""
    )
    found = reads(parse_bytes(dmn(body)))
    assert found["risk"] == ("amount", "customer")
    assert found["offer"] == ("amount", "customer", "discount", "items")
