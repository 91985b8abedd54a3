"""Engine invariants over generated processes: sequences of service, user and script tasks,
timers, exclusive and parallel blocks and embedded subprocesses, nested, built with the
builder and driven to the end by the test harness.

- a completed instance holds no token: no active element, job, task, timer or subscription;
- in a process without loops no element completes twice, and the end event comes last;
- an instance's state survives a JSON save/restore unchanged (`to_json` after `from_json`
  is identity), and a run that saves and restores before every command takes the same
  path, ends in the same state and keeps the same variables as one that never does.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass

from hypothesis import event, given, settings
from hypothesis import strategies as st

from regista.bpmn import ProcessBuilder
from regista.engine import InstanceState

from .harness import Harness

# -- generated processes ------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One element of a generated process: "service", "user", "script" or "timer"."""

    kind: str


@dataclass(frozen=True)
class Choice:
    """An exclusive split on `x > threshold` with a default branch, merged again."""

    threshold: int
    taken: tuple[Block, ...]
    default: tuple[Block, ...]


@dataclass(frozen=True)
class Fork:
    """A parallel split into branches (none empty), joined again."""

    branches: tuple[tuple[Block, ...], ...]


@dataclass(frozen=True)
class Sub:
    """An embedded subprocess around a sequence."""

    body: tuple[Block, ...]


Block = Step | Choice | Fork | Sub

steps = st.sampled_from(["service", "user", "script", "timer"]).map(Step)


def _blocks(inner: st.SearchStrategy[Block]) -> st.SearchStrategy[Block]:
    sequence = st.lists(inner, max_size=3).map(tuple)
    nonempty = st.lists(inner, min_size=1, max_size=3).map(tuple)
    return (
        st.builds(Choice, st.integers(min_value=-2, max_value=2), sequence, sequence)
        | st.builds(Fork, st.lists(nonempty, min_size=2, max_size=3).map(tuple))
        | st.builds(Sub, nonempty)
    )


blocks: st.SearchStrategy[Block] = st.recursive(steps, _blocks, max_leaves=10)
processes = st.lists(blocks, min_size=1, max_size=5).map(tuple)


class _Builder:
    """Lays generated blocks out with the process builder, numbering the elements."""

    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.process = ProcessBuilder("p").start("s")

    def new(self, prefix: str) -> str:
        return f"{prefix}{next(self.ids)}"

    def sequence(self, blocks: tuple[Block, ...]) -> None:
        for block in blocks:
            self.block(block)

    def block(self, block: Block) -> None:
        p = self.process
        if isinstance(block, Step):
            name = self.new(block.kind)
            if block.kind == "service":
                p.service_task(name, type="work")
            elif block.kind == "user":
                p.user_task(name)
            elif block.kind == "script":
                p.script_task(name, script="=x + 1", result_variable="x")
            else:
                p.catch(name, duration="PT1H")
        elif isinstance(block, Choice):
            split, merge = self.new("xor"), self.new("merge")
            p.exclusive_gateway(split).condition(f"=x > {block.threshold}")
            self.sequence(block.taken)
            p.exclusive_gateway(merge)
            p.move_to(split).default()
            self.sequence(block.default)
            p.connect_to(merge)
        elif isinstance(block, Fork):
            fork, join = self.new("fork"), self.new("join")
            p.parallel_gateway(fork)
            for n, branch in enumerate(block.branches):
                if n:
                    p.move_to(fork)
                self.sequence(branch)
                if n:
                    p.connect_to(join)
                else:
                    p.parallel_gateway(join)
        else:
            sub = self.new("sub")
            p.subprocess(sub).start(f"{sub}_start")
            self.sequence(block.body)
            p.end(f"{sub}_end").end_subprocess()


def build(blocks: tuple[Block, ...]) -> ProcessBuilder:
    builder = _Builder()
    builder.sequence(blocks)
    return builder.process.end("e")


# -- driving ------------------------------------------------------------------------------


def next_move(h: Harness) -> tuple[str, str] | None:
    """What the harness waits for first (in a deterministic order), if anything."""
    for kind, table in (("job", h.jobs), ("task", h.tasks), ("timer", h.timers)):
        if table:
            return kind, min(effect.element_id for _, effect in table.values())
    return None


def make(h: Harness, move: tuple[str, str]) -> None:
    kind, element_id = move
    if kind == "job":
        h.complete_job(element_id, {f"done_{element_id}": True})
    elif kind == "task":
        h.complete_task(element_id)
    else:
        h.advance(dt.timedelta(hours=1))


def document(state: InstanceState) -> str:
    return json.dumps(state.to_json(), sort_keys=True)


def drive(h: Harness) -> Iterator[InstanceState]:
    """Complete whatever the instance waits for until it waits for nothing; yields the
    state at each wait."""
    for _ in range(200):
        yield h.state
        move = next_move(h)
        if move is None:
            return
        make(h, move)
    raise AssertionError("the instance never finished")


@settings(max_examples=60)
@given(processes, st.integers(min_value=-3, max_value=3))
def test_generated_processes_run_to_completion_and_hold_nothing(
    blocks: tuple[Block, ...], x: int
) -> None:
    definitions = build(blocks).build()
    event(f"{len(definitions.processes['p'].elements) // 5 * 5}+ elements")
    plain = Harness(definitions).start(variables={"x": x})
    for state in drive(plain):
        text = document(state)
        assert document(InstanceState.from_json(json.loads(text))) == text
    assert plain.status == "completed"
    assert plain.active == []
    assert not (plain.jobs or plain.tasks or plain.timers or plain.subscriptions)
    state = plain.state
    assert [ei.id for ei in state.element_instances()] == [state.id]  # the process alone
    assert not state.waits and not state.root.joins and not state.incidents
    passed = plain.passed
    assert passed[0] == "s" and passed[-1] == "e"
    assert len(passed) == len(set(passed)), "an element completed twice in a loop-free process"
    assert plain.variables["x"] >= x

    restored = Harness(definitions, roundtrip=True).start(variables={"x": x})
    for _ in drive(restored):
        pass
    assert restored.passed == plain.passed
    assert restored.variables == plain.variables
    assert document(restored.state) == document(plain.state)
