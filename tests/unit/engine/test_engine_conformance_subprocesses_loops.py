"""Behaviour conformance: event subprocesses, terminate end events, multi-instance and loops.

Behaviours the test suites of other engines check, ported.
Each test names where the behaviour comes from — a test class of Camunda 8 Zeebe's engine
(`io.camunda.zeebe.engine.processing.bpmn...`) or of Camunda 7
(`org.camunda.bpm.engine.test.bpmn...`), with the test method as recalled from those suites
(the behaviour is what matters; method names are indicative) — and runs twice: plain, and
with the instance state sent through JSON at every wait (save/restore in the middle of the
run). Where Regista deliberately differs, the docstring says so.
"""

from __future__ import annotations

from regista.bpmn import ProcessBuilder
from regista.engine import CloseSubscription, CompleteJob

from .conformance import HOUR, activated
from .harness import Harness

# --- event subprocesses ---------------------------------------------------------------------


def _with_event_subprocess(interrupting: bool, **trigger: str) -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .user_task("main")
        .end("done")
        .event_subprocess("esp")
        .start("es", interrupting=interrupting, **trigger)
        .user_task("handle")
        .end("ee")
        .end_subprocess()
    )


def test_interrupting_message_event_subprocess(roundtrip: bool) -> None:
    """Zeebe EventSubprocessTest.shouldTriggerInterruptingMessageEventSubprocess: the main
    flow is terminated, the message's variables are there."""
    defs = _with_event_subprocess(True, message="cancel", correlation_key="=id").build()
    h = Harness(defs, roundtrip=roundtrip).start(variables={"id": "k"})
    h.correlate("cancel", "k", {"reason": "r"})
    assert h.active == ["handle"]
    assert h.variables["reason"] == "r"
    assert h.subscriptions == {}
    h.complete_task("handle")
    assert h.status == "completed"
    assert "done" not in h.passed


def test_non_interrupting_message_event_subprocess_runs_beside_the_main_flow(
    roundtrip: bool,
) -> None:
    """Zeebe EventSubprocessTest.shouldTriggerNonInterruptingEventSubprocessMultipleTimes;
    the scope completes when the main flow and the event subprocesses are done, and its
    subscription stays open until then."""
    defs = _with_event_subprocess(False, message="note").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    h.correlate("note")
    h.correlate("note")
    assert sorted(h.active) == ["handle", "handle", "main"]
    h.complete_task("main")
    assert h.status == "active"
    assert len(h.subscriptions) == 1  # the scope is still active
    h.complete_task("handle")
    h.complete_task("handle")
    assert h.status == "completed"
    assert h.subscriptions == {}
    assert any(isinstance(e, CloseSubscription) for e in h.last)


def test_timer_event_subprocesses_interrupting_and_cycle(roundtrip: bool) -> None:
    """Zeebe EventSubprocessTest (timer start, interrupting and non-interrupting cycle)."""
    h = Harness(_with_event_subprocess(True, duration="PT1H").build(), roundtrip=roundtrip)
    h.start()
    h.advance(HOUR)
    assert h.active == ["handle"]
    defs = _with_event_subprocess(False, cycle="R2/PT1H").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    h.advance(3 * HOUR)
    assert sorted(h.active) == ["handle", "handle", "main"]


def test_error_and_signal_event_subprocesses(roundtrip: bool) -> None:
    """Zeebe EventSubprocessTest (error start) and SignalEventTest (signal start event of an
    event subprocess, interrupting and not)."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .service_task("work", type="w")
        .end("done")
        .event_subprocess("on_error")
        .start("es", error="E")
        .end("ee")
        .end_subprocess()
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.throw_error("work", "E")
    assert h.status == "completed"
    assert h.passed[-3:] == ["es", "ee", "on_error"]
    for interrupting in (True, False):
        h = Harness(
            _with_event_subprocess(interrupting, signal="alarm").build(), roundtrip=roundtrip
        ).start()
        h.signal("alarm")
        expected = ["handle"] if interrupting else ["handle", "main"]
        assert sorted(h.active) == expected


# --- terminate end event --------------------------------------------------------------------


def test_terminate_end_event_in_a_subprocess_ends_only_the_subprocess(roundtrip: bool) -> None:
    """Zeebe TerminateEndEventTest.shouldTerminateSubprocess; Camunda 7
    TerminateEndEventTest.testTerminateInSubProcess."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .parallel_gateway("f")
        .subprocess("sub")
        .start("ss")
        .parallel_gateway("inner_f")
        .user_task("inside")
        .end("se")
        .move_to("inner_f")
        .end("stop", terminate=True)
        .end_subprocess()
        .user_task("after_sub")
        .end("e1")
        .move_to("f")
        .user_task("outside")
        .end("e2")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert sorted(h.active) == ["after_sub", "outside"]
    assert "sub" in h.passed
    h.complete_task("outside")
    h.complete_task("after_sub")
    assert h.status == "completed"


def test_terminate_end_event_in_a_multi_instance_subprocess_ends_one_instance(
    roundtrip: bool,
) -> None:
    """Camunda 7 TerminateEndEventTest.testTerminateInSubProcessConcurrentMultiInstance: only
    the inner instance that reached the terminate end event ends."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .exclusive_gateway("which")
        .condition("=item = 1")
        .end("stop", terminate=True)
        .move_to("which")
        .default()
        .user_task("work")
        .end("se")
        .end_subprocess()
        .multi_instance("=items", "item")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"items": [1, 2, 3]})
    assert h.active == ["work", "work"]
    h.complete_task("work")
    h.complete_task("work")
    assert h.status == "completed"


# --- multi-instance and loops ---------------------------------------------------------------


def test_parallel_multi_instance_completion_condition_cancels_the_rest(roundtrip: bool) -> None:
    """Zeebe MultiInstanceActivityTest.shouldCompleteBodyWhenCompletionConditionIsFulfilled:
    the remaining instances are terminated and their jobs cancelled."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .service_task("vote", type="vote")
        .multi_instance(
            "=voters",
            "voter",
            completion_condition="=count(votes[item = true]) >= 2",
            output_collection="votes",
            output_element="=approved",
        )
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"voters": ["a", "b", "c", "d"]})
    assert len(h.jobs) == 4
    h.complete_job("vote", {"approved": True})
    h.complete_job("vote", {"approved": False})
    assert h.status == "active"
    h.complete_job("vote", {"approved": True})
    assert h.status == "completed"
    assert h.jobs == {}
    assert h.kinds().count("CancelJob") == 1
    assert h.variables["votes"] == [True, False, True, None]


def test_sequential_multi_instance_collects_outputs_in_order_with_loop_counter(
    roundtrip: bool,
) -> None:
    """Zeebe MultiInstanceActivityTest.shouldCollectOutputInSequentialOrder and
    .shouldSetLoopCounterVariable."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .user_task("step")
        .multi_instance(
            "=names",
            "name",
            sequential=True,
            output_collection="results",
            output_element='={n: loopCounter, v: name + "!"}',
        )
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"names": ["x", "y", "z"]})
    for expected in ("x", "y", "z"):
        task = h.task("step")
        assert task.variables["name"] == expected
        assert len(h.tasks) == 1
        h.complete_task("step")
    assert h.variables["results"] == [
        {"n": 1, "v": "x!"},
        {"n": 2, "v": "y!"},
        {"n": 3, "v": "z!"},
    ]
    assert "name" not in h.variables and "loopCounter" not in h.variables


def test_parallel_multi_instance_outputs_follow_the_input_order(roundtrip: bool) -> None:
    """Zeebe MultiInstanceActivityTest.shouldCollectOutputInParallel: completed in reverse,
    collected by index."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .service_task("calc", type="calc")
        .multi_instance("=items", "item", output_collection="out", output_element="=result")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"items": [1, 2, 3]})
    for job_id, (_, job) in reversed(list(h.jobs.items())):
        item = job.variables["item"]
        h.apply(CompleteJob(job_id, {"result": item * 10}))
        h.jobs.pop(job_id)
    assert h.variables["out"] == [10, 20, 30]


def test_multi_instance_over_an_empty_collection_completes_at_once(roundtrip: bool) -> None:
    """Zeebe MultiInstanceActivityTest.shouldSkipMultiInstanceBodyIfInputCollectionIsEmpty."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .service_task("each", type="w")
        .multi_instance("=items", "item", output_collection="out", output_element="=x")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"items": []})
    assert h.status == "completed"
    assert h.jobs == {}
    assert h.variables["out"] == []
    assert activated(h, "each") == 1  # the body only


def test_multi_instance_counters_and_cardinality(roundtrip: bool) -> None:
    """Camunda 7 MultiInstanceTest.testParallelUserTasksCompletionCondition with
    nrOfInstances / nrOfCompletedInstances and loopCardinality."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .user_task("review")
        .multi_instance(
            cardinality="=5",
            completion_condition="=nrOfCompletedInstances / nrOfInstances >= 0.6",
        )
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert len(h.tasks) == 5
    body = next(ei for ei in h.state.element_instances("review") if ei.role == "body")
    assert h.state.variables(body.id)["nrOfInstances"] == 5
    h.complete_task("review")
    h.complete_task("review")
    assert h.status == "active"
    h.complete_task("review")
    assert h.status == "completed"
    assert h.tasks == {}


def test_standard_loop_with_test_before(roundtrip: bool) -> None:
    """Camunda 7 / BPMN standard loop (testBefore): a false condition runs nothing, a true
    one runs while it holds."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .script_task("inc", script="n + 1", result_variable="n")
        .loop("=n < 3", test_before=True)
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"n": 5})
    assert h.variables["n"] == 5
    h = Harness(defs, roundtrip=roundtrip).start(variables={"n": 0})
    assert h.variables["n"] == 3
    after = (
        ProcessBuilder("p")
        .start("s")
        .script_task("inc", script="n + 1", result_variable="n")
        .loop("=n < 3")
        .end("e")
        .build()
    )
    h = Harness(after, roundtrip=roundtrip).start(variables={"n": 5})
    assert h.variables["n"] == 6  # test after: runs at least once
