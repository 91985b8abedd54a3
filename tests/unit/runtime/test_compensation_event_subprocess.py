"""Compensation through a compensation event subprocess (BPMN 2.0, Camunda 7): when a
completed subprocess that holds one is compensated, that event subprocess runs where the
subprocess ran, seeing its variables, and decides what to compensate (a compensation
throw inside it compensates what completed in the subprocess) and what else to do; the
inner handlers are not run directly."""

from __future__ import annotations

from regista.testing import FakeClock, LocalRuntime

HEAD = (
    '<?xml version="1.0"?><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" targetNamespace="t">'
)


def script(element_id: str, expression: str, result: str, extra: str = "") -> str:
    """A FEEL script task (Camunda 8 style) setting `result`."""
    return (
        f'<scriptTask id="{element_id}"{extra}><extensionElements>'
        f'<zeebe:script expression="{expression}" resultVariable="{result}"/>'
        "</extensionElements></scriptTask>"
    )


MODEL = (
    HEAD
    + """
<process id="p" isExecutable="true">
 <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="sub"/>
 <subProcess id="sub">
   <startEvent id="ss"/><sequenceFlow id="g1" sourceRef="ss" targetRef="book"/>"""
    + script("book", "=&quot;hotel&quot;", "booked")
    + """
   <sequenceFlow id="g2" sourceRef="book" targetRef="se"/><endEvent id="se"/>
   <boundaryEvent id="cb" attachedToRef="book"><compensateEventDefinition/></boundaryEvent>"""
    + script("cancel", "=&quot;cancelled &quot; + booked", "undo", ' isForCompensation="true"')
    + """
   <association id="a1" associationDirection="One" sourceRef="cb" targetRef="cancel"/>
   <subProcess id="esp" triggeredByEvent="true">
     <startEvent id="cs"><compensateEventDefinition/></startEvent>
     <sequenceFlow id="h1" sourceRef="cs" targetRef="inner"/>
     <intermediateThrowEvent id="inner"><compensateEventDefinition/></intermediateThrowEvent>
     <sequenceFlow id="h2" sourceRef="inner" targetRef="note"/>"""
    + script("note", "=&quot;esp saw &quot; + undo", "noted")
    + """
     <sequenceFlow id="h3" sourceRef="note" targetRef="ce"/><endEvent id="ce"/>
   </subProcess>
 </subProcess>
 <sequenceFlow id="f2" sourceRef="sub" targetRef="all"/>
 <intermediateThrowEvent id="all"><compensateEventDefinition/></intermediateThrowEvent>
 <sequenceFlow id="f3" sourceRef="all" targetRef="done"/><userTask id="done"/>
 <sequenceFlow id="f4" sourceRef="done" targetRef="e"/><endEvent id="e"/>
</process></definitions>"""
)


def run(model: str) -> tuple[LocalRuntime, str]:
    rt = LocalRuntime(FakeClock())
    rt.deploy(model)
    return rt, rt.start("p")


def test_the_event_subprocess_runs_and_compensates_inside_the_subprocess() -> None:
    rt, iid = run(MODEL)
    passed = rt.passed_in_tree(iid)
    assert passed[passed.index("sub") :] == [
        "sub",
        "cs",
        "cancel",
        "inner",
        "note",
        "ce",
        "esp",
        "all",
    ]
    (task,) = rt.tasks(iid)
    assert task.element_id == "done"
    assert task.variables["undo"] == "cancelled hotel"
    assert task.variables["noted"] == "esp saw cancelled hotel"


def test_an_event_subprocess_that_compensates_nothing_keeps_the_handlers_from_running() -> None:
    model = MODEL.replace(
        '<intermediateThrowEvent id="inner"><compensateEventDefinition/></intermediateThrowEvent>',
        '<intermediateThrowEvent id="inner"/>',
    ).replace("&quot; + undo", "&quot;")
    rt, iid = run(model)
    assert "cancel" not in rt.passed_in_tree(iid)
    (task,) = rt.tasks(iid)
    assert "undo" not in task.variables
    assert task.variables["noted"] == "esp saw "


def test_compensating_the_scope_again_redoes_nothing() -> None:
    model = MODEL.replace(
        '<sequenceFlow id="f3" sourceRef="all" targetRef="done"/>',
        '<sequenceFlow id="f3" sourceRef="all" targetRef="again"/>'
        '<intermediateThrowEvent id="again"><compensateEventDefinition/></intermediateThrowEvent>'
        '<sequenceFlow id="f5" sourceRef="again" targetRef="done"/>',
    )
    rt, iid = run(model)
    passed = rt.passed_in_tree(iid)
    assert passed.count("cancel") == 1 and passed.count("esp") == 1
    assert [t.element_id for t in rt.tasks(iid)] == ["done"]
