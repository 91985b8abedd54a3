"""Validation lists every problem of a model at once, with element ids, lines and fixes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from regista.bpmn import ProcessBuilder, parse, parse_file, validate
from regista.model.bpmn import Expression, Problem, SequenceFlow
from regista.model.frozen import FrozenDict

MODELS = Path(__file__).parent / "models"


def found(problems: list[Problem]) -> set[tuple[str, str | None, int | None]]:
    return {(p.severity, p.element_id, p.line) for p in problems}


def test_every_problem_of_a_file_at_once() -> None:
    defs = parse_file(MODELS / "problems.bpmn", strict=False)
    problems = validate(defs)
    assert found(problems) >= {
        ("error", "choose", 5),  # two unconditional flows out of an exclusive gateway
        ("error", "java", 8),  # camunda:class
        ("error", "wait", 9),  # undefined message
        ("warning", "orphan", 10),  # unreachable
        ("error", "lost", 12),  # attached to nothing, timer without a value
        ("error", "groovy", 13),  # unsupported script language
        ("error", "f6", 19),  # dangling target
        ("error", "f7", 20),  # flow into a start event
        ("error", "f8", 21),  # flow out of an end event
        ("error", "f9", 22),  # JUEL with no FEEL translation
    }
    assert len([p for p in problems if p.severity == "error"]) >= 10
    lines = [p.line or 0 for p in problems]
    assert lines == sorted(lines)
    by_element = {p.element_id: p.message for p in problems if p.severity == "error"}
    assert "f2, f3 have no condition" in by_element["choose"]
    assert "com.acme.Charge" in by_element["java"] and "external" in by_element["java"]
    assert "'nowhere' is not defined" in by_element["wait"]
    assert "'missing' does not exist" in by_element["f6"]
    assert "execution" in by_element["f9"] and "rewrite it in FEEL" in by_element["f9"]
    text = str(next(p for p in problems if p.element_id == "f7"))
    assert text.startswith(f"{MODELS / 'problems.bpmn'}:20: error [f7]:")


@pytest.mark.parametrize("name", ["c8_order.bpmn", "c7_invoice.bpmn"])
def test_valid_models_have_no_problems(name: str) -> None:
    assert validate(parse_file(MODELS / name)) == []


def test_the_all_elements_model_only_lacks_complex_gateway_support() -> None:
    problems = validate(parse_file(MODELS / "all_elements.bpmn"))
    assert [(p.element_id, p.message) for p in problems] == [
        ("g_complex", "complex gateways are not supported; use inclusive gateways")
    ]


def test_parse_problems_are_included() -> None:
    xml = (
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
        '<process id="p"><startEvent id="s"/><endEvent id="s"/></process></definitions>'
    )
    problems = validate(parse(xml, strict=False))
    assert any("used twice" in p.message for p in problems)


def test_structural_problems_of_built_models() -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .event_based_gateway("wait")
        .task("not_an_event")
        .subprocess("sub")
        .start("inner", message="msg")
        .end()
        .end_subprocess()
        .boundary_event("bad_error", error="E", interrupting=False)
        .end()
        .move_to("sub")
        .throw("jump", link="nowhere")
        .branch("wait")
        .catch("timeout", duration="PT1M")
        .end()
        .build()
    )
    problems = validate(defs)
    messages = {(p.element_id, p.message.split(";")[0]) for p in problems}
    assert (
        "wait",
        "'not_an_event' follows an event-based gateway but is not a message, "
        "timer, signal or conditional catch event nor a receive task with a message",
    ) in messages
    assert ("inner", "a start event inside an embedded subprocess must be a none event") in (
        messages
    )
    assert ("bad_error", "error and cancel boundary events always interrupt the activity") in (
        messages
    )
    assert ("jump", "no link catch event named 'nowhere' in the same scope") in messages


def test_expression_languages_and_missing_pieces() -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .exclusive_gateway("g")
        .condition(Expression("x > 1", "groovy"))
        .script_task("s", script="")
        .end()
        .branch()
        .condition(Expression("${x.y()}", "juel"))
        .service_task("work", type="w")
        .multi_instance(element="item")
        .end()
        .build()
    )
    problems = validate(defs)
    messages = [p.message for p in problems]
    assert any("written in groovy" in m for m in messages)
    assert any("JUEL that cannot be translated" in m and "method call" in m for m in messages)
    assert any("has no script" in m for m in messages)
    assert any("neither an input collection nor a loop cardinality" in m for m in messages)


def test_dangling_defaults_crossing_flows_and_missing_starts() -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .subprocess("sub")
        .start()
        .task("inside")
        .end()
        .end_subprocess()
        .end("after")
        .build()
    )
    process = defs.processes["p"]
    crossing = SequenceFlow(id="cross", source="inside", target="after", parent="p")
    gateway = dataclasses.replace(process.elements["after"])
    broken = dataclasses.replace(
        process,
        flows=FrozenDict({**process.flows, "cross": crossing}),
        elements=FrozenDict({**process.elements, "after": gateway}),
        start_events=(),
    )
    problems = validate(dataclasses.replace(defs, processes=FrozenDict({"p": broken})))
    messages = {(p.element_id, p.message.split(";")[0]) for p in problems}
    assert ("p", "the process has no start event") in messages
    assert any(
        element == "cross" and "crosses a subprocess border" in message
        for element, message in messages
    )


def test_no_process() -> None:
    defs = parse('<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"/>')
    assert [p.message for p in validate(defs)] == [
        "the file has no process; add a <process> with a start event"
    ]
