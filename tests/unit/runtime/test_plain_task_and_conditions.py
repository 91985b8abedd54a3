"""Two SpiffWorkflow cases: a plain `bpmn:task` (abstract task) lets the token pass, and a
conditional boundary event whose condition already holds when its activity is entered
fires then, as Camunda 7 does."""

from __future__ import annotations

from regista.testing import FakeClock, LocalRuntime

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="t">'
)


def run(body: str, variables: dict[str, object]) -> tuple[LocalRuntime, str]:
    rt = LocalRuntime(FakeClock())
    rt.deploy(HEAD + body + "</definitions>")
    return rt, rt.start("p", variables)


def test_a_plain_task_passes_the_token_on() -> None:
    rt, iid = run(
        """<process id="p" isExecutable="true"><startEvent id="s"/>
        <sequenceFlow id="f1" sourceRef="s" targetRef="t"/><task id="t"/>
        <sequenceFlow id="f2" sourceRef="t" targetRef="e"/><endEvent id="e"/></process>""",
        {},
    )
    assert rt.instance(iid).status == "completed"
    assert rt.passed_in_tree(iid) == ["s", "t", "e"]


CONDITIONAL = """<process id="p" isExecutable="true"><startEvent id="s"/>
  <sequenceFlow id="f1" sourceRef="s" targetRef="work"/><userTask id="work"/>
  <sequenceFlow id="f2" sourceRef="work" targetRef="e"/><endEvent id="e"/>
  <boundaryEvent id="too_big" attachedToRef="work">
    <conditionalEventDefinition><condition>=amount &gt; 100</condition>
    </conditionalEventDefinition>
  </boundaryEvent>
  <sequenceFlow id="f3" sourceRef="too_big" targetRef="review"/><userTask id="review"/>
</process>"""


def test_a_conditional_boundary_that_holds_on_entry_fires_at_once() -> None:
    rt, iid = run(CONDITIONAL, {"amount": 500})
    assert [t.element_id for t in rt.tasks(iid)] == ["review"]
    assert "too_big" in rt.passed_in_tree(iid)


def test_a_conditional_boundary_that_does_not_hold_waits() -> None:
    rt, iid = run(CONDITIONAL, {"amount": 5})
    assert [t.element_id for t in rt.tasks(iid)] == ["work"]
    rt.set_variables(iid, {"amount": 101})
    assert [t.element_id for t in rt.tasks(iid)] == ["review"]
