"""Behaviour conformance: gateways (exclusive, parallel, inclusive, event-based).

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

from .conformance import HOUR, activated
from .harness import Harness

# --- exclusive gateway ----------------------------------------------------------------------


def _exclusive() -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .exclusive_gateway("xor")
        .condition("=x > 10")
        .end("big")
        .move_to("xor")
        .condition("=x > 5")
        .end("medium")
        .move_to("xor")
        .default()
        .end("small")
    )


def test_exclusive_gateway_takes_the_first_true_flow_in_model_order(roundtrip: bool) -> None:
    """Zeebe ExclusiveGatewayTest.shouldSplitOnExclusiveGateway: with several conditions
    true, only the first flow (in model order) is taken."""
    h = Harness(_exclusive().build(), roundtrip=roundtrip).start(variables={"x": 20})
    assert h.passed == ["s", "xor", "big"]
    assert h.status == "completed"


def test_exclusive_gateway_takes_the_default_flow_when_no_condition_holds(
    roundtrip: bool,
) -> None:
    """Zeebe ExclusiveGatewayTest.shouldTakeDefaultFlowIfNoConditionIsFulfilled."""
    h = Harness(_exclusive().build(), roundtrip=roundtrip).start(variables={"x": 1})
    assert h.passed == ["s", "xor", "small"]


def test_exclusive_gateway_without_a_true_condition_or_default_raises_an_incident(
    roundtrip: bool,
) -> None:
    """Zeebe ExclusiveGatewayTest.shouldCreateIncidentIfNoConditionMatches (then resolved
    after the variables were fixed); Camunda 7 ExclusiveGatewayTest.testNoSequenceFlowSelected."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .exclusive_gateway("xor")
        .condition("=x = 1")
        .end("one")
        .move_to("xor")
        .condition("=x = 2")
        .end("two")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"x": 3})
    assert h.status == "incident"
    assert h.active == ["xor"]
    assert "no condition is true at the exclusive gateway xor" in h.state.incidents[0].message
    h.set_variables({"x": 2})
    h.resolve()
    assert h.status == "completed"
    assert h.passed == ["s", "xor", "two"]


def test_exclusive_gateway_merges_without_synchronising(roundtrip: bool) -> None:
    """Camunda 7 ExclusiveGatewayTest (merge): every token arriving passes on at once."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .parallel_gateway("fork")
        .task("a")
        .exclusive_gateway("merge")
        .user_task("after")
        .end("e")
        .move_to("fork")
        .task("b")
        .connect_to("merge")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.active == ["after", "after"]
    h.complete_task("after")
    h.complete_task("after")
    assert h.status == "completed"
    assert h.passed.count("e") == 2


def test_exclusive_gateway_condition_on_a_missing_variable_counts_as_false(
    roundtrip: bool,
) -> None:
    """Zeebe ExclusiveGatewayTest (a condition over a variable that does not exist): Regista
    reads null as false and takes the default."""
    defs = _exclusive().build()
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.passed == ["s", "xor", "small"]


# --- parallel gateway -----------------------------------------------------------------------


def test_parallel_join_waits_for_every_incoming_flow(roundtrip: bool) -> None:
    """Zeebe ParallelGatewayTest.shouldMergeParallelBranches: the join fires once, after the
    last branch arrived."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .parallel_gateway("fork")
        .service_task("a", type="a")
        .parallel_gateway("join")
        .end("e")
        .move_to("fork")
        .service_task("b", type="b")
        .connect_to("join")
        .move_to("fork")
        .service_task("c", type="c")
        .connect_to("join")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.complete_job("b")
    h.complete_job("a")
    assert activated(h, "join") == 0
    assert h.active == ["c"]
    h.complete_job("c")
    assert activated(h, "join") == 1
    assert h.status == "completed"


def test_parallel_gateway_that_joins_and_forks(roundtrip: bool) -> None:
    """Zeebe ParallelGatewayTest.shouldMergeAndSplitInOneGateway."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .parallel_gateway("fork")
        .task("a")
        .parallel_gateway("both")
        .user_task("x")
        .end("ex")
        .move_to("fork")
        .task("b")
        .connect_to("both")
        .user_task("y")
        .end("ey")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert sorted(h.active) == ["x", "y"]
    assert activated(h, "both") == 1


def test_parallel_join_counts_tokens_per_flow(roundtrip: bool) -> None:
    """Zeebe ParallelGatewayTest (two tokens on one incoming flow): the join consumes one
    token per flow and the extra token keeps waiting there."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .parallel_gateway("fork")
        .exclusive_gateway("merge")
        .parallel_gateway("join")
        .end("e")
        .move_to("fork")
        .connect_to("merge")
        .move_to("fork")
        .user_task("b")
        .connect_to("join")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.state.root.joins is not None
    assert sum(h.state.root.joins["join"].values()) == 2
    h.complete_task("b")
    assert h.passed.count("e") == 1
    assert h.status == "active"  # one token still waits at the join, forever
    assert sum(h.state.root.joins["join"].values()) == 1


# --- inclusive gateway ----------------------------------------------------------------------


def _inclusive() -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .inclusive_gateway("fork")
        .condition("=a")
        .service_task("ta", type="a")
        .inclusive_gateway("join")
        .end("e")
        .move_to("fork")
        .condition("=b")
        .service_task("tb", type="b")
        .connect_to("join")
        .move_to("fork")
        .default()
        .service_task("td", type="d")
        .connect_to("join")
    )


def test_inclusive_join_waits_only_for_the_branches_taken(roundtrip: bool) -> None:
    """Zeebe InclusiveGatewayTest.shouldMergeOnlyActivatedBranches; Camunda 7
    InclusiveGatewayTest.testJoinAfterSplit."""
    h = Harness(_inclusive().build(), roundtrip=roundtrip).start(variables={"a": True, "b": False})
    assert h.active == ["ta"]
    h.complete_job("ta")
    assert h.status == "completed"
    h = Harness(_inclusive().build(), roundtrip=roundtrip).start(variables={"a": True, "b": True})
    assert sorted(h.active) == ["ta", "tb"]
    h.complete_job("tb")
    assert activated(h, "join") == 0
    h.complete_job("ta")
    assert activated(h, "join") == 1
    assert h.status == "completed"


def test_inclusive_gateway_takes_the_default_only_when_no_condition_holds(
    roundtrip: bool,
) -> None:
    """Zeebe InclusiveGatewayTest.shouldTakeDefaultFlowIfNoConditionIsFulfilled."""
    h = Harness(_inclusive().build(), roundtrip=roundtrip).start(variables={"a": False, "b": False})
    assert h.active == ["td"]


def test_inclusive_gateway_without_true_condition_or_default_is_an_incident(
    roundtrip: bool,
) -> None:
    """Zeebe InclusiveGatewayTest.shouldCreateIncidentIfNoConditionIsFulfilled."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .inclusive_gateway("fork")
        .condition("=a")
        .end("ea")
        .move_to("fork")
        .condition("=b")
        .end("eb")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"a": False, "b": False})
    assert h.status == "incident"
    h.set_variables({"b": True})
    h.resolve()
    assert h.passed == ["s", "fork", "eb"]


def test_inclusive_join_inside_a_loop(roundtrip: bool) -> None:
    """Camunda 7 InclusiveGatewayTest.testLoop: fork and join are passed again on each turn
    of a loop back to the fork; the join waits for this turn's branches only."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .inclusive_gateway("fork")
        .condition("=true")
        .user_task("a")
        .inclusive_gateway("join")
        .script_task("count", script="n + 1", result_variable="n")
        .exclusive_gateway("again")
        .condition("=n < 3")
        .connect_to("fork")
        .move_to("again")
        .default()
        .end("e")
        .move_to("fork")
        .condition("=n = 1")
        .user_task("b")
        .connect_to("join")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"n": 0})
    # turn 1: only a (n = 0)
    h.complete_task("a")
    # turn 2: a and b (n = 1)
    assert sorted(h.active) == ["a", "b"]
    h.complete_task("a")
    assert activated(h, "join") == 1
    h.complete_task("b")
    assert activated(h, "join") == 2
    # turn 3: only a (n = 2)
    assert h.active == ["a"]
    h.complete_task("a")
    assert h.status == "completed"
    assert h.variables["n"] == 3


def test_inclusive_join_fires_when_a_taken_branch_ends_elsewhere(roundtrip: bool) -> None:
    """Camunda 7 InclusiveGatewayTest (a branch leaves by an interrupting boundary event
    towards an end event): the join stops waiting for it."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .inclusive_gateway("fork")
        .condition("=true")
        .user_task("a")
        .inclusive_gateway("join")
        .end("e")
        .move_to("fork")
        .condition("=true")
        .user_task("b")
        .connect_to("join")
        .boundary_event("timeout", attached_to="b", duration="PT1H")
        .end("gave_up")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.complete_task("a")
    assert h.status == "active"
    h.advance(HOUR)
    assert h.status == "completed"
    assert h.passed[-3:] == ["gave_up", "join", "e"]


# --- event-based gateway --------------------------------------------------------------------


def _event_gateway() -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .event_based_gateway("gw")
        .catch("paid", message="paid", correlation_key="=id")
        .end("e_paid")
        .move_to("gw")
        .catch("late", duration="PT1H")
        .end("e_late")
        .move_to("gw")
        .receive_task("cancelled", message="cancel", correlation_key="=id")
        .end("e_cancel")
        .move_to("gw")
        .catch("alarm", signal="alarm")
        .end("e_alarm")
    )


def test_event_based_gateway_first_message_wins_and_the_rest_are_closed(
    roundtrip: bool,
) -> None:
    """Zeebe EventBasedGatewayTest.shouldContinueWhenMessageIsCorrelated: the other
    subscriptions and the timer are closed."""
    h = Harness(_event_gateway().build(), roundtrip=roundtrip).start(variables={"id": "o1"})
    assert h.active == ["gw"]
    assert len(h.subscriptions) == 3 and len(h.timers) == 1
    h.correlate("paid", "o1", {"amount": 10})
    assert h.passed == ["s", "gw", "paid", "e_paid"]
    assert h.variables["amount"] == 10
    assert h.subscriptions == {} and h.timers == {}
    kinds = h.kinds()
    assert kinds.count("CloseSubscription") == 3 and kinds.count("CancelTimer") == 1


def test_event_based_gateway_timer_and_receive_task_and_signal(roundtrip: bool) -> None:
    """Zeebe EventBasedGatewayTest.shouldContinueWhenTimerIsTriggered; a receive task and a
    signal after the gateway (BPMN 2.0, Camunda 7 EventBasedGatewayTest)."""
    h = Harness(_event_gateway().build(), roundtrip=roundtrip).start(variables={"id": "o1"})
    h.advance(HOUR)
    assert h.passed[-2:] == ["late", "e_late"]
    assert h.subscriptions == {}
    h = Harness(_event_gateway().build(), roundtrip=roundtrip).start(variables={"id": "o1"})
    h.correlate("cancel", "o1")
    assert h.passed[-2:] == ["cancelled", "e_cancel"]
    assert h.timers == {}
    h = Harness(_event_gateway().build(), roundtrip=roundtrip).start(variables={"id": "o1"})
    h.signal("alarm")
    assert h.passed[-2:] == ["alarm", "e_alarm"]
