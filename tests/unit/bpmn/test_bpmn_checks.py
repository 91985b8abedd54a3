"""Validation compiles every FEEL expression of a BPMN model and finds joins that can never
fire: each problem names the element, the attribute and the column in the expression."""

from __future__ import annotations

from regista.bpmn import parse, validate
from regista.bpmn.deadlocks import deadlocks
from regista.model.bpmn import Problem

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">\n'
)


def model(body: str, extra: str = "") -> str:
    return (
        HEAD
        + f'<bpmn:process id="p" isExecutable="true">{body}</bpmn:process>{extra}'
        + ("</bpmn:definitions>")
    )


def problems(xml: str) -> list[Problem]:
    return validate(parse(xml.encode(), strict=False))


def errors(xml: str) -> dict[str | None, str]:
    return {p.element_id: p.message for p in problems(xml) if p.severity == "error"}


FLOW = """
<bpmn:startEvent id="s"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
{task}
<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
<bpmn:endEvent id="e"/>
"""


def test_a_condition_that_is_not_feel_is_an_error_naming_flow_and_column() -> None:
    xml = model(
        """
<bpmn:startEvent id="s"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/>
<bpmn:exclusiveGateway id="g" default="f3"/>
<bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e">
  <bpmn:conditionExpression>=price &gt;</bpmn:conditionExpression>
</bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="e"/>
<bpmn:endEvent id="e"/>
"""
    )
    message = errors(xml)["f2"]
    assert "condition '=price >'" in message
    assert "column 8" in message and "correct the expression" in message


def test_input_and_output_mappings_name_their_target_and_column() -> None:
    task = """<bpmn:serviceTask id="t"><bpmn:extensionElements>
      <zeebe:taskDefinition type="pay"/>
      <zeebe:ioMapping>
        <zeebe:input source="=a + (b" target="amount"/>
        <zeebe:output source="=ok and" target="paid"/>
      </zeebe:ioMapping></bpmn:extensionElements></bpmn:serviceTask>"""
    found = [p.message for p in problems(model(FLOW.format(task=task))) if p.element_id == "t"]
    assert any("input mapping of 'amount'" in m and "column 7" in m for m in found)
    assert any("output mapping of 'paid'" in m for m in found)


def test_job_type_assignee_timer_and_collection_given_as_feel_are_compiled() -> None:
    task = """<bpmn:userTask id="t"><bpmn:extensionElements>
      <zeebe:assignmentDefinition assignee="=user." candidateGroups="=[&quot;a&quot;"/>
      </bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics>
        <bpmn:extensionElements>
          <zeebe:loopCharacteristics inputCollection="=items[" inputElement="item"/>
        </bpmn:extensionElements>
      </bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>"""
    found = [p.message for p in problems(model(FLOW.format(task=task))) if p.element_id == "t"]
    assert any("assignee" in m and "'=user.'" in m for m in found)
    assert any("candidate groups" in m for m in found)
    assert any("input collection" in m for m in found)


def test_a_feel_script_task_is_compiled() -> None:
    task = (
        '<bpmn:scriptTask id="t" scriptFormat="feel"><bpmn:script>1 +</bpmn:script>'
        "</bpmn:scriptTask>"
    )
    assert "script '=1 +' is not valid FEEL" in errors(model(FLOW.format(task=task)))["t"]


def test_a_message_name_given_as_feel_is_compiled() -> None:
    body = """
<bpmn:startEvent id="s"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="r"/>
<bpmn:receiveTask id="r" messageRef="m"/>
<bpmn:sequenceFlow id="f2" sourceRef="r" targetRef="e"/>
<bpmn:endEvent id="e"/>
"""
    extra = (
        '<bpmn:message id="m" name="=&quot;paid-&quot; +"><bpmn:extensionElements>'
        '<zeebe:subscription correlationKey="=orderId"/></bpmn:extensionElements></bpmn:message>'
    )
    message = errors(model(body, extra))["m"]
    assert message.startswith("the message's name") and "not valid FEEL" in message


def test_juel_expressions_are_not_flagged_as_feel() -> None:
    xml = model(
        """
<bpmn:startEvent id="s"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/>
<bpmn:exclusiveGateway id="g" default="f3"/>
<bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="t">
  <bpmn:conditionExpression>${amount &gt; 100 &amp;&amp; approved}</bpmn:conditionExpression>
</bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="t"/>
<bpmn:userTask id="t" camunda:assignee="${initiator}"/>
<bpmn:sequenceFlow id="f4" sourceRef="t" targetRef="e"/>
<bpmn:endEvent id="e"/>
"""
    )
    assert errors(xml) == {}


def test_valid_feel_everywhere_gives_no_problem() -> None:
    task = """<bpmn:serviceTask id="t"><bpmn:extensionElements>
      <zeebe:taskDefinition type="=&quot;pay-&quot; + region"/>
      <zeebe:ioMapping><zeebe:input source="=for x in items return x.price * 2" target="p"/>
      </zeebe:ioMapping></bpmn:extensionElements></bpmn:serviceTask>"""
    assert problems(model(FLOW.format(task=task))) == []


LOOP_INTO_JOIN = """
<bpmn:startEvent id="s"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="join"/>
<bpmn:parallelGateway id="join"/>
<bpmn:sequenceFlow id="f2" sourceRef="join" targetRef="t"/>
<bpmn:task id="t"/>
<bpmn:sequenceFlow id="f3" sourceRef="t" targetRef="x"/>
<bpmn:exclusiveGateway id="x" default="f5"/>
<bpmn:sequenceFlow id="f4" sourceRef="x" targetRef="join">
  <bpmn:conditionExpression>=again</bpmn:conditionExpression>
</bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f5" sourceRef="x" targetRef="e"/>
<bpmn:endEvent id="e"/>
"""


def test_a_parallel_join_reachable_only_through_its_own_outgoing_path_is_an_error() -> None:
    message = errors(model(LOOP_INTO_JOIN))["join"]
    assert "'f4'" in message and "can never fire" in message


def test_the_same_loop_merged_by_an_exclusive_gateway_is_fine() -> None:
    xml = model(LOOP_INTO_JOIN.replace('parallelGateway id="join"', 'exclusiveGateway id="join"'))
    assert "join" not in errors(xml)


XOR_INTO_AND = """
<bpmn:startEvent id="s"/>
<bpmn:sequenceFlow id="g1" sourceRef="s" targetRef="xor"/>
<bpmn:exclusiveGateway id="xor" default="g3"/>
<bpmn:sequenceFlow id="g2" sourceRef="xor" targetRef="a">
  <bpmn:conditionExpression>=big</bpmn:conditionExpression>
</bpmn:sequenceFlow>
<bpmn:sequenceFlow id="g3" sourceRef="xor" targetRef="b"/>
<bpmn:task id="a"/>
<bpmn:task id="b"/>
<bpmn:sequenceFlow id="g4" sourceRef="a" targetRef="and"/>
<bpmn:sequenceFlow id="g5" sourceRef="b" targetRef="and"/>
<bpmn:parallelGateway id="and"/>
<bpmn:sequenceFlow id="g6" sourceRef="and" targetRef="e"/>
<bpmn:endEvent id="e"/>
"""


def test_a_parallel_join_fed_by_exclusive_branches_is_a_warning() -> None:
    found = [p for p in problems(model(XOR_INTO_AND)) if p.element_id == "and"]
    assert [p.severity for p in found] == ["warning"]
    assert "'xor'" in found[0].message and "'g4', 'g5'" in found[0].message


def test_a_parallel_split_and_join_gives_no_deadlock() -> None:
    xml = model(
        XOR_INTO_AND.replace('exclusiveGateway id="xor" default="g3"', 'parallelGateway id="xor"')
    )
    defs = parse(xml.encode(), strict=False)
    assert list(deadlocks(defs.processes["p"])) == []


def test_a_loop_back_into_an_exclusive_split_before_the_join_is_not_flagged() -> None:
    # xor is on a loop through the join: it may pass several tokens, so no warning.
    body = XOR_INTO_AND.replace(
        '<bpmn:sequenceFlow id="g6" sourceRef="and" targetRef="e"/>',
        '<bpmn:sequenceFlow id="g6" sourceRef="and" targetRef="back"/>'
        '<bpmn:exclusiveGateway id="back" default="g8"/>'
        '<bpmn:sequenceFlow id="g7" sourceRef="back" targetRef="xor">'
        "<bpmn:conditionExpression>=again</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="g8" sourceRef="back" targetRef="e"/>',
    )
    defs = parse(model(body).encode(), strict=False)
    assert [p for p in deadlocks(defs.processes["p"]) if p.severity == "warning"] == []
