"""Incidents carry their type as Camunda 8 names it (`errorType`), decided where the step
fails, and keep it across a save and restore of the instance."""

from __future__ import annotations

from regista.bpmn import ProcessBuilder
from regista.engine import RaiseIncident
from regista.engine.errors import INCIDENT_TYPES
from regista.model.bpmn import Expression

from .harness import Harness


def _types(h: Harness) -> list[str]:
    found = [i.error_type for i in h.state.incidents]
    raised = [e.error_type for e in h.effects if isinstance(e, RaiseIncident)]
    assert raised[-len(found) :] == found, "the effect carries the same type"
    assert all(t in INCIDENT_TYPES for t in found)
    return found


def test_a_bpmn_error_nobody_catches_is_unhandled_error_event(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start().service_task("charge", type="pay").end("ok").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    h.throw_error("charge", "NOBODY")
    assert _types(h) == ["UNHANDLED_ERROR_EVENT"]
    thrown = Harness(ProcessBuilder("q").start().end("boom", error="E9").build()).start()
    assert _types(thrown) == ["UNHANDLED_ERROR_EVENT"]


def test_a_job_out_of_retries_is_job_no_retries(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start().service_task("charge", type="pay").end("ok").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    h.fail_job("charge", 0, "the card service is down")
    assert _types(h) == ["JOB_NO_RETRIES"]
    assert h.state.incidents[0].job_id is not None


def test_conditions_are_condition_errors(roundtrip: bool) -> None:
    not_boolean = (
        ProcessBuilder("p")
        .start()
        .exclusive_gateway("g")
        .condition('="yes"')
        .end("a")
        .move_to("g")
        .default()
        .end("b")
        .build()
    )
    assert _types(Harness(not_boolean, roundtrip=roundtrip).start()) == ["CONDITION_ERROR"]
    none_true = (
        ProcessBuilder("q").start().exclusive_gateway("g").condition("=x > 1").end("big").build()
    )
    h = Harness(none_true, roundtrip=roundtrip).start(variables={"x": 0})
    assert _types(h) == ["CONDITION_ERROR"]


def test_mappings_are_io_mapping_errors_and_other_expressions_extract_value_errors(
    roundtrip: bool,
) -> None:
    # untrusted Python cannot run: the expression fails where it is evaluated
    python = Expression("1 + 1", "python")
    mapped = ProcessBuilder("p").start().user_task("t").input("y", python).end("e").build()
    assert _types(Harness(mapped, roundtrip=roundtrip).start()) == ["IO_MAPPING_ERROR"]
    output = ProcessBuilder("q").start().user_task("t").output("y", python).end("e").build()
    h = Harness(output, roundtrip=roundtrip).start()
    h.complete_task("t")
    assert _types(h) == ["IO_MAPPING_ERROR"]
    job_type = ProcessBuilder("r").start().service_task("s", type="=x").end("e").build()
    h = Harness(job_type, roundtrip=roundtrip, expression_language="python").start()
    assert _types(h) == ["EXTRACT_VALUE_ERROR"]


def test_a_called_element_that_evaluates_to_null_is_extract_value_error(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start().call_activity("call", process_id="=missing").end().build()
    h = Harness(defs, roundtrip=roundtrip).start(variables={"missing": None})
    assert _types(h) == ["EXTRACT_VALUE_ERROR"]
