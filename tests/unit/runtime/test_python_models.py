"""Models written for SpiffWorkflow, deployed with `expression_language` python: every
expression without a marker of its own is Python — conditions, scripts without a
`scriptFormat`, timer definitions (a quoted "PT1S" is a string literal to evaluate) — and
multi-instance activities use BPMN's own data references (`loopDataInputRef`,
`inputDataItem`, `loopDataOutputRef`, `outputDataItem`)."""

from __future__ import annotations

import datetime as dt

from regista.testing import FakeClock, LocalRuntime

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" targetNamespace="t">'
)


def python_runtime(body: str) -> LocalRuntime:
    rt = LocalRuntime(FakeClock(), expression_language="python", trusted=True)
    rt.deploy(HEAD + body + "</definitions>")
    return rt


def test_a_script_without_a_format_and_a_condition_are_python() -> None:
    rt = python_runtime("""
<process id="p" isExecutable="true">
  <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="calc"/>
  <scriptTask id="calc"><script>total = sum(i * 2 for i in items)
label = f"{len(items)} items"</script></scriptTask>
  <sequenceFlow id="f2" sourceRef="calc" targetRef="g"/><exclusiveGateway id="g"/>
  <sequenceFlow id="big" sourceRef="g" targetRef="a">
    <conditionExpression xsi:type="tFormalExpression"
      >total &gt;= 10 and label != ""</conditionExpression>
  </sequenceFlow>
  <sequenceFlow id="small" sourceRef="g" targetRef="b">
    <conditionExpression xsi:type="tFormalExpression">total &lt; 10</conditionExpression>
  </sequenceFlow>
  <userTask id="a"/><userTask id="b"/>
</process>""")
    iid = rt.start("p", {"items": [1, 2, 3]})
    (task,) = rt.tasks(iid)
    assert task.element_id == "a"
    assert task.variables["total"] == 12 and task.variables["label"] == "3 items"


def timer_model(text: str) -> str:
    return f"""
<process id="p" isExecutable="true">
  <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
  <intermediateCatchEvent id="wait">
    <timerEventDefinition><timeDuration>{text}</timeDuration></timerEventDefinition>
  </intermediateCatchEvent>
  <sequenceFlow id="f2" sourceRef="wait" targetRef="a"/><userTask id="a"/>
</process>"""


def test_a_python_timer_is_an_expression_evaluated_when_the_timer_starts() -> None:
    rt = python_runtime(timer_model('f"PT{delay}S"'))
    iid = rt.start("p", {"delay": 30})
    (timer,) = rt.timers(iid)
    assert timer.due_at == rt.now() + dt.timedelta(seconds=30)
    rt.advance("PT29S")
    assert rt.tasks(iid) == []
    rt.advance("PT1S")
    assert [t.element_id for t in rt.tasks(iid)] == ["a"]


def test_a_quoted_duration_with_fractional_seconds_is_a_string_literal() -> None:
    rt = python_runtime(timer_model('"PT0.25S"'))
    iid = rt.start("p")
    rt.advance("PT1S")
    assert [t.element_id for t in rt.tasks(iid)] == ["a"]


def test_an_iso_literal_stays_a_literal_in_a_python_deployment() -> None:
    rt = python_runtime(timer_model("PT2M"))
    iid = rt.start("p")
    rt.advance("PT2M")
    assert [t.element_id for t in rt.tasks(iid)] == ["a"]


def test_multi_instance_with_bpmn_data_references() -> None:
    rt = python_runtime("""
<process id="p" isExecutable="true">
  <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="each"/>
  <scriptTask id="each">
    <multiInstanceLoopCharacteristics isSequential="true">
      <loopDataInputRef>numbers</loopDataInputRef>
      <loopDataOutputRef>squares</loopDataOutputRef>
      <inputDataItem id="n" name="n"/>
      <outputDataItem id="sq" name="sq"/>
    </multiInstanceLoopCharacteristics>
    <script>sq = n * n</script>
  </scriptTask>
  <sequenceFlow id="f2" sourceRef="each" targetRef="a"/><userTask id="a"/>
</process>""")
    iid = rt.start("p", {"numbers": [1, 2, 3]})
    (task,) = rt.tasks(iid)
    assert task.variables["squares"] == [1, 4, 9]
