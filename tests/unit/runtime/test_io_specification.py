"""BPMN `ioSpecification` as SpiffWorkflow models use it: a called process that declares
its data inputs starts with only those, and gives back to its caller only its declared
outputs; a task that declares outputs hands on only those to its scope."""

from __future__ import annotations

from regista.testing import FakeClock, LocalRuntime

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" targetNamespace="t">'
)

CALLER = """
<process id="caller" isExecutable="true">
  <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="call"/>
  <callActivity id="call" calledElement="child"/>
  <sequenceFlow id="f2" sourceRef="call" targetRef="after"/>
  <userTask id="after"/><sequenceFlow id="f3" sourceRef="after" targetRef="e"/>
  <endEvent id="e"/>
</process>"""

CHILD = """
<process id="child" isExecutable="true">
  <ioSpecification>
    <dataInput id="in_x" name="x"/>
    <dataOutput id="out_total" name="total"/>
    <inputSet><dataInputRefs>in_x</dataInputRefs></inputSet>
    <outputSet><dataOutputRefs>out_total</dataOutputRefs></outputSet>
  </ioSpecification>
  <startEvent id="cs"/><sequenceFlow id="g1" sourceRef="cs" targetRef="look"/>
  <userTask id="look"/><sequenceFlow id="g2" sourceRef="look" targetRef="sum"/>
  <scriptTask id="sum"><extensionElements>
    <zeebe:script expression="=x + 1" resultVariable="total"/>
  </extensionElements></scriptTask>
  <sequenceFlow id="g3" sourceRef="sum" targetRef="scratch"/>
  <scriptTask id="scratch"><extensionElements>
    <zeebe:script expression="=99" resultVariable="scratchpad"/>
  </extensionElements></scriptTask>
  <sequenceFlow id="g4" sourceRef="scratch" targetRef="ce"/><endEvent id="ce"/>
</process>"""


def test_a_called_process_gets_its_declared_inputs_and_gives_back_its_declared_outputs() -> None:
    rt = LocalRuntime(FakeClock())
    rt.deploy(HEAD + CALLER + CHILD + "</definitions>")
    iid = rt.start("caller", {"x": 5, "secret": "not for the child"})
    (inside,) = [t for t in rt.tasks() if t.element_id == "look"]
    assert inside.variables == {"x": 5}
    rt.complete_task(inside.instance_id, "look")
    (after,) = rt.tasks(iid)
    assert after.variables == {"x": 5, "secret": "not for the child", "total": 6}


def test_without_an_io_specification_a_called_process_sees_and_returns_everything() -> None:
    rt = LocalRuntime(FakeClock())
    child = CHILD.replace(
        CHILD[CHILD.index("  <ioSpecification>") : CHILD.index("  <startEvent")], ""
    )
    rt.deploy(HEAD + CALLER + child + "</definitions>")
    iid = rt.start("caller", {"x": 5, "secret": "s"})
    (inside,) = [t for t in rt.tasks() if t.element_id == "look"]
    assert inside.variables == {"x": 5, "secret": "s"}
    rt.complete_task(inside.instance_id, "look")
    (after,) = rt.tasks(iid)
    assert after.variables == {"x": 5, "secret": "s", "total": 6, "scratchpad": 99}


TASK = """
<process id="p" isExecutable="true">
  <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="form"/>
  <userTask id="form">
    <ioSpecification>
      <dataOutput id="o" name="approved"/>
      <inputSet/><outputSet><dataOutputRefs>o</dataOutputRefs></outputSet>
    </ioSpecification>
  </userTask>
  <sequenceFlow id="f2" sourceRef="form" targetRef="next"/>
  <userTask id="next"/><sequenceFlow id="f3" sourceRef="next" targetRef="e"/>
  <endEvent id="e"/>
</process>"""


def test_a_task_that_declares_its_outputs_hands_on_only_those() -> None:
    rt = LocalRuntime(FakeClock())
    rt.deploy(HEAD + TASK + "</definitions>")
    iid = rt.start("p", {"amount": 3})
    rt.complete_task(iid, "form", {"approved": True, "comment": "stays in the task"})
    (task,) = rt.tasks(iid)
    assert task.element_id == "next"
    assert task.variables == {"amount": 3, "approved": True}
