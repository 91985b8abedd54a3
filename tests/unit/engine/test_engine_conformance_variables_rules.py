"""Behaviour conformance: variables, timers, scripts and business rule tasks.

Behaviours the test suites of other engines check, ported.
Each test names where the behaviour comes from — a test class of Camunda 8 Zeebe's engine
(`io.camunda.zeebe.engine.processing.bpmn...`) or of Camunda 7
(`org.camunda.bpm.engine.test.bpmn...`), with the test method as recalled from those suites
(the behaviour is what matters; method names are indicative) — and runs twice: plain, and
with the instance state sent through JSON at every wait (save/restore in the middle of the
run). Where Regista deliberately differs, the docstring says so.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from regista.bpmn import ProcessBuilder, build_definitions

from .harness import Harness

# --- variables ------------------------------------------------------------------------------


def test_input_mappings_are_local_and_output_mappings_reach_the_process(
    roundtrip: bool,
) -> None:
    """Zeebe VariableMappingTest.shouldApplyInputMapping / .shouldApplyOutputMapping: inputs
    are local to the element; with output mappings only the mapped results leave it."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .service_task("t", type="t")
        .input("total", "=order.price * order.qty")
        .input("customer.name", "=name")
        .output("invoice", "={id: invoiceId, total: total}")
        .output("order.billed", "=true")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(
        variables={"order": {"price": 2, "qty": 3}, "name": "Ann"}
    )
    job = h.job("t")
    assert job.variables["total"] == 6
    assert job.variables["customer"] == {"name": "Ann"}
    h.complete_job("t", {"invoiceId": "I-1", "noise": True})
    assert h.variables == {
        "order": {"price": 2, "qty": 3, "billed": True},
        "name": "Ann",
        "invoice": {"id": "I-1", "total": 6},
    }


def test_without_output_mappings_job_variables_propagate_to_where_they_are_defined(
    roundtrip: bool,
) -> None:
    """Zeebe VariableMappingTest.shouldPropagateVariablesToNearestScope: a variable the
    subprocess defines is updated there, an unknown one goes to the process."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .service_task("t", type="t")
        .service_task("t2", type="t")
        .end("se")
        .end_subprocess()
        .input("attempt", "=0")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    sub = next(h.state.element_instances("sub"))
    h.complete_job("t", {"attempt": 1, "result": "ok"})
    assert h.state.variables(sub.id) == {"attempt": 1}
    assert h.variables == {"result": "ok"}  # attempt stayed local to the subprocess
    h.complete_job("t2", {})
    assert h.status == "completed"
    assert h.variables == {"result": "ok"}


def test_result_variables_of_scripts_and_decisions(roundtrip: bool) -> None:
    """Zeebe ScriptTaskTest.shouldWriteResultToResultVariable (a FEEL context result)."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .script_task("calc", script="{sum: a + b, items: [a, b]}", result_variable="res")
        .script_task("pick", script="res.sum * 2", result_variable="double")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"a": 1, "b": 2})
    assert h.variables["res"] == {"sum": 3, "items": [1, 2]}
    assert h.variables["double"] == 6


def test_local_variables_of_a_subprocess_do_not_leak(roundtrip: bool) -> None:
    """Zeebe ProcessInstanceVariableTest / Camunda 7 VariableScopeTest: variables created
    in a subprocess scope stay there and end with it; outer ones are updated in place."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .script_task("use", script="temp + counter", result_variable="counter")
        .script_task("own", script="temp * 2", result_variable="temp")
        .user_task("wait")
        .end("se")
        .end_subprocess()
        .input("temp", "=10")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"counter": 1})
    sub = next(h.state.element_instances("sub"))
    assert h.state.variables(sub.id) == {"temp": Decimal(20)}
    assert h.variables == {"counter": 11}
    h.complete_task("wait")
    assert h.variables == {"counter": 11}


def test_call_activity_propagation_rules(roundtrip: bool) -> None:
    """Zeebe CallActivityTest.shouldOnlyPropagateVariablesOfInputMappings (propagateAll
    ParentVariables false) and .shouldNotPropagateAllChildVariables (false, with output
    mappings)."""
    parent = (
        ProcessBuilder("parent")
        .start("s")
        .call_activity(
            "call",
            process_id="child",
            propagate_all_parent_variables=False,
            propagate_all_child_variables=False,
        )
        .input("x", "=a")
        .output("y", "=result")
        .end("e")
    )
    child = (
        ProcessBuilder("child", id_prefix="c_")
        .start()
        .script_task("calc", script="if a = null then x * 10 else -1", result_variable="result")
        .script_task("extra", script='"child only"', result_variable="secret")
        .end()
    )
    h = Harness(build_definitions(parent, child), roundtrip=roundtrip).start("parent", {"a": 4})
    (child_id,) = h.children
    assert h.states[child_id].variables() == {
        "x": Decimal(4),
        "result": Decimal(40),
        "secret": "child only",
    }
    assert h.variables == {"a": 4, "y": 40}


def test_call_activity_propagates_all_variables_by_default(roundtrip: bool) -> None:
    """Zeebe CallActivityTest.shouldPropagateAllChildVariablesByDefault."""
    parent = ProcessBuilder("parent").start("s").call_activity("call", process_id="child").end("e")
    child = (
        ProcessBuilder("child", id_prefix="c_")
        .start()
        .script_task("calc", script="a + 1", result_variable="b")
        .end()
    )
    h = Harness(build_definitions(parent, child), roundtrip=roundtrip).start("parent", {"a": 1})
    assert h.variables == {"a": 1, "b": 2}


# --- timers, scripts ------------------------------------------------------------------------


def test_timer_definitions_date_duration_cycle_and_feel(roundtrip: bool) -> None:
    """Zeebe TimerCatchEventTest (timeDuration, timeDate, FEEL duration and date and time
    values) and BoundaryEventTest (timeCycle)."""
    cases: list[tuple[dict[str, str], dt.timedelta]] = [
        ({"duration": "PT90M"}, dt.timedelta(minutes=90)),
        ({"duration": '=duration("P1DT1H")'}, dt.timedelta(days=1, hours=1)),
        ({"duration": "=wait"}, dt.timedelta(minutes=5)),
        ({"date": "2026-01-01T12:00:00Z"}, dt.timedelta(hours=3)),
        ({"date": '=date and time("2026-01-01T10:00:00@UTC")'}, dt.timedelta(hours=1)),
        ({"date": '=now() + duration("PT2H")'}, dt.timedelta(hours=2)),
        ({"cycle": "R1/PT30M"}, dt.timedelta(minutes=30)),
    ]
    for timer, after in cases:
        defs = ProcessBuilder("p").start("s").catch("t", **timer).end("e").build()
        h = Harness(defs, roundtrip=roundtrip).start(variables={"wait": "PT5M"})
        ((_, effect),) = h.timers.values()
        assert effect.due == h.now + after, timer
        h.advance(after - dt.timedelta(seconds=1))
        assert h.status == "active", timer
        h.advance(dt.timedelta(seconds=1))
        assert h.status == "completed", timer


def test_feel_script_task_and_untrusted_python(roundtrip: bool) -> None:
    """Zeebe ScriptTaskTest (FEEL); Camunda 7 ScriptTaskTest with a script engine the
    deployment did not allow: an incident, never executed."""
    feel = (
        ProcessBuilder("p")
        .start("s")
        .script_task("s1", script='upper case(name) + "!"', result_variable="shout")
        .end("e")
        .build()
    )
    h = Harness(feel, roundtrip=roundtrip).start(variables={"name": "ann"})
    assert h.variables["shout"] == "ANN!"
    python = (
        ProcessBuilder("p")
        .start("s")
        .script_task("s1", script="import os\nresult = os.getcwd()", format="python")
        .end("e")
        .build()
    )
    h = Harness(python, roundtrip=roundtrip).start()
    assert h.status == "incident"
    assert "trusted" in h.state.incidents[0].message
    assert h.variables == {}
    restricted = Harness(python, roundtrip=roundtrip, trusted=True).start()
    assert restricted.status == "incident"  # no imports among the restricted builtins
    assert "'__import__' is not among the restricted builtins" in (
        restricted.state.incidents[0].message
    )
    trusted = Harness(python, roundtrip=roundtrip, trusted=True, full_builtins=True).start()
    assert trusted.status == "completed"
    assert isinstance(trusted.variables["result"], str)


# --- business rule tasks (Camunda 7 mapDecisionResult) --------------------------------------

RULES = """<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="r" name="r"
    namespace="http://example.com/rules">
  <decision id="groups" name="Groups">
    <decisionTable hitPolicy="COLLECT">
      <input id="i1"><inputExpression typeRef="number"><text>amount</text></inputExpression>
      </input>
      <output id="o1" name="group" typeRef="string"/>
      <rule id="r1"><inputEntry><text>-</text></inputEntry>
        <outputEntry><text>"accounting"</text></outputEntry></rule>
      <rule id="r2"><inputEntry><text>&gt; 1000</text></inputEntry>
        <outputEntry><text>"management"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="grade" name="Grade">
    <decisionTable hitPolicy="UNIQUE">
      <input id="i2"><inputExpression typeRef="number"><text>amount</text></inputExpression>
      </input>
      <output id="o2" name="level" typeRef="string"/>
      <output id="o3" name="limit" typeRef="number"/>
      <rule id="r3"><inputEntry><text>&lt;= 1000</text></inputEntry>
        <outputEntry><text>"low"</text></outputEntry><outputEntry><text>1000</text>
        </outputEntry></rule>
      <rule id="r4"><inputEntry><text>&gt; 1000</text></inputEntry>
        <outputEntry><text>"high"</text></outputEntry><outputEntry><text>null</text>
        </outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def _rule_task(decision: str, mapping: str) -> str:
    return f"""<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <process id="p" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="rules"/>
    <businessRuleTask id="rules" camunda:decisionRef="{decision}" camunda:resultVariable="out"
        camunda:mapDecisionResult="{mapping}"/>
    <sequenceFlow id="f2" sourceRef="rules" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"""


def test_camunda_7_decision_result_mappings(roundtrip: bool) -> None:
    """Camunda 7 DmnBusinessRuleTaskTest / DmnDecisionResultListenerTest: resultList,
    singleResult, singleEntry, collectEntries; more results than a single mapping takes
    is an incident."""
    from regista import dmn
    from regista.bpmn import parse

    models = dmn.load(RULES)

    def run(decision: str, mapping: str, amount: int) -> Harness:
        defs = parse(_rule_task(decision, mapping))
        return Harness(defs, roundtrip=roundtrip, decisions=models).start(
            variables={"amount": amount}
        )

    assert run("groups", "collectEntries", 5000).variables["out"] == ["accounting", "management"]
    assert run("groups", "resultList", 5000).variables["out"] == [
        {"group": "accounting"},
        {"group": "management"},
    ]
    assert run("groups", "singleEntry", 10).variables["out"] == "accounting"
    failed = run("groups", "singleEntry", 5000)
    assert failed.status == "incident"
    assert "gave 2 results" in failed.state.incidents[0].message
    assert run("grade", "singleResult", 10).variables["out"] == {"level": "low", "limit": 1000}
    assert run("grade", "resultList", 5000).variables["out"] == [{"level": "high", "limit": None}]
    assert run("grade", "singleEntry", 10).status == "incident"


def test_camunda_7_maps_a_decision_result_as_a_result_list_by_default(roundtrip: bool) -> None:
    """Camunda 7's default `mapDecisionResult` is resultList: a list with one map of
    output name -> value per matched rule, even for a single output."""
    from regista import dmn
    from regista.bpmn import parse

    models = dmn.load(RULES)
    xml = _rule_task("grade", "x").replace(' camunda:mapDecisionResult="x"', "")
    harness = Harness(parse(xml), roundtrip=roundtrip, decisions=models)
    assert harness.start(variables={"amount": 10}).variables["out"] == [
        {"level": "low", "limit": 1000}
    ]
