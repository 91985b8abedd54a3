"""Token-based replay of a log on a BPMN process, for fitness.

The process is read as a Petri net whose places are its sequence flows (plus a source
and a sink): a task is a transition labelled with its name (else its id) per incoming
flow (an implicit exclusive join) producing on every outgoing flow (an implicit
parallel split); an exclusive or event-based gateway is one silent transition per pair
of incoming and outgoing flow, a parallel gateway one silent transition taking every
incoming flow and giving every outgoing one; events are silent; an embedded subprocess
enters its start events and leaves from its end events. Inclusive gateways are replayed
as exclusive ones (the note of the report says so).

Each trace is replayed as Rozinat and van der Aalst describe: one token is produced in
the source; for each event, silent transitions are fired (shortest way first) until a
transition of the event's activity is enabled, else the missing tokens are created;
at the end the silent transitions are fired towards the sink, whose token is consumed.
Fitness is 1/2 (1 - missing/consumed) + 1/2 (1 - remaining/produced).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass

from regista.model.bpmn import (
    Activity,
    BoundaryEvent,
    EndEvent,
    FlowNode,
    Gateway,
    InclusiveGateway,
    ParallelGateway,
    Process,
    StartEvent,
    SubProcess,
)

__all__ = ["Net", "Replayed", "TraceFit", "net_of", "replay"]

_SOURCE, _SINK = "<source>", "<sink>"
_SEARCH_LIMIT = 5_000
"""How many markings the search for silent transitions looks at before giving up."""

Marking = Counter[str]


@dataclass(frozen=True, slots=True)
class Transition:
    label: str | None
    takes: tuple[str, ...]
    gives: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Net:
    """The Petri net of a process: its transitions and the labels of its activities."""

    transitions: tuple[Transition, ...]
    labels: frozenset[str]
    approximated: tuple[str, ...] = ()
    """Inclusive gateways replayed as exclusive ones."""


@dataclass(frozen=True, slots=True)
class TraceFit:
    """The tokens of one trace's replay."""

    produced: int
    consumed: int
    missing: int
    remaining: int

    @property
    def fits(self) -> bool:
        return self.missing == 0 and self.remaining == 0

    @property
    def fitness(self) -> float:
        return fitness(self.produced, self.consumed, self.missing, self.remaining)


def fitness(produced: int, consumed: int, missing: int, remaining: int) -> float:
    """The classic token fitness."""
    return 0.5 * (1 - missing / consumed if consumed else 1.0) + 0.5 * (
        1 - remaining / produced if produced else 1.0
    )


@dataclass(frozen=True, slots=True)
class Replayed:
    """A log replayed: per distinct trace its fit and count, and the totals."""

    traces: list[tuple[tuple[str, ...], int, TraceFit]]

    def total(self) -> TraceFit:
        def summed(field: str) -> int:
            return sum(getattr(fit, field) * n for _, n, fit in self.traces)

        return TraceFit(
            summed("produced"), summed("consumed"), summed("missing"), summed("remaining")
        )

    @property
    def cases(self) -> int:
        return sum(n for _, n, _ in self.traces)

    @property
    def fitting(self) -> int:
        return sum(n for _, n, fit in self.traces if fit.fits)


def _label(node: FlowNode) -> str:
    return node.name or node.id


def net_of(process: Process) -> Net:
    """The Petri net of `process` (see the module docstring)."""
    transitions: list[Transition] = []
    labels: set[str] = set()
    approximated: list[str] = []
    for node in process.elements.values():
        ins: tuple[str, ...] = node.incoming
        outs: tuple[str, ...] = node.outgoing
        if isinstance(node, StartEvent):
            if node.parent == process.id:
                ins = (_SOURCE,)
            elif isinstance(process.elements.get(node.parent), SubProcess):
                ins = (f"<enter {node.parent}>",)
        elif isinstance(node, BoundaryEvent):
            ins = (f"<boundary {node.id}>",)  # never marked: its path needs missing tokens
        if isinstance(node, EndEvent) and not outs:
            outs = (_SINK,) if node.parent == process.id else (f"<leave {node.parent}>",)
        if isinstance(node, SubProcess):
            if node.triggered_by_event:
                continue
            transitions.extend(
                Transition(None, (flow,), (f"<enter {node.id}>",)) for flow in ins or ("",)
            )
            transitions.append(Transition(None, (f"<leave {node.id}>",), outs))
            continue
        if isinstance(node, ParallelGateway):
            transitions.append(Transition(None, ins, outs))
        elif isinstance(node, Gateway):
            if isinstance(node, InclusiveGateway):
                approximated.append(node.id)
            transitions.extend(Transition(None, (i,), (o,)) for i in ins for o in outs)
        elif isinstance(node, Activity):
            labels.add(_label(node))
            transitions.extend(Transition(_label(node), (i,), outs) for i in ins or ("",))
        else:
            transitions.extend(Transition(None, (i,), outs) for i in ins or ("",))
    return Net(tuple(transitions), frozenset(labels), tuple(approximated))


def _enabled(t: Transition, marking: Marking) -> bool:
    needed = Counter(t.takes)
    return all(marking[p] >= n for p, n in needed.items())


def _fire(t: Transition, marking: Marking) -> Marking:
    after = Counter(marking)
    after.subtract(t.takes)
    after.update(t.gives)
    return +after


Key = tuple[tuple[str, int], ...]


def _key(marking: Marking) -> Key:
    return tuple(sorted(marking.items()))


Step = tuple[Key, int, int, int]
"""A marking reached, and the tokens produced, consumed and missing on the way."""


class _Replayer:
    """Replays traces on one net. The silent search only fires the silent transitions
    that can lead a token to a place the goal needs (the others cannot help, and in
    parallel branches their interleavings would multiply the markings), and each
    (marking, activity) step is computed once for all the traces that share it."""

    def __init__(self, net: Net) -> None:
        self.by_label: dict[str, list[Transition]] = {}
        silent: list[Transition] = []
        for t in net.transitions:
            if t.label is None:
                silent.append(t)
            else:
                self.by_label.setdefault(t.label, []).append(t)
        feeders: dict[str, list[Transition]] = {}
        for t in silent:
            for place in t.gives:
                feeders.setdefault(place, []).append(t)
        self.feeding: dict[str, frozenset[Transition]] = {}
        for place in {p for t in net.transitions for p in (*t.takes, *t.gives)}:
            found: set[Transition] = set()
            todo = [place]
            seen = {place}
            while todo:
                for t in feeders.get(todo.pop(), ()):
                    if t not in found:
                        found.add(t)
                        for q in t.takes:
                            if q not in seen:
                                seen.add(q)
                                todo.append(q)
            self.feeding[place] = frozenset(found)
        self.steps: dict[tuple[Key, str], Step] = {}
        self.ends: dict[Key, Step] = {}

    def _useful(self, targets: Iterable[Transition]) -> list[Transition]:
        useful: set[Transition] = set()
        for t in targets:
            for place in t.takes:
                useful |= self.feeding.get(place, frozenset())
        return sorted(useful, key=lambda t: (t.takes, t.gives))

    def _search(
        self, marking: Marking, targets: list[Transition] | None
    ) -> tuple[Marking, int, int, Transition | None] | None:
        """The nearest marking, by silent transitions, where one of `targets` is enabled
        (or, for None, where the sink is marked with the fewest other tokens); with the
        tokens those silent steps consumed and produced."""
        silent = self._useful(targets if targets is not None else self._sink_goal())
        queue: deque[tuple[Marking, int, int]] = deque([(marking, 0, 0)])
        seen = {_key(marking)}
        best: tuple[Marking, int, int] | None = None
        while queue and len(seen) <= _SEARCH_LIMIT:
            current, consumed, produced = queue.popleft()
            if targets is not None:
                for t in targets:
                    if _enabled(t, current):
                        return current, consumed, produced, t
            elif current[_SINK] > 0:
                if sum(current.values()) == current[_SINK]:
                    return current, consumed, produced, None
                if best is None:
                    best = (current, consumed, produced)
            for t in silent:
                if _enabled(t, current):
                    after = _fire(t, current)
                    key = _key(after)
                    if key not in seen:
                        seen.add(key)
                        queue.append((after, consumed + len(t.takes), produced + len(t.gives)))
        if best is not None:
            return (*best, None)
        return None

    @staticmethod
    def _sink_goal() -> list[Transition]:
        return [Transition(None, (_SINK,), ())]

    def step(self, key: Key, label: str) -> Step:
        """The marking after `label` from the marking `key`."""
        cached = self.steps.get((key, label))
        if cached is not None:
            return cached
        marking: Marking = Counter(dict(key))
        produced = consumed = missing = 0
        candidates = self.by_label.get(label, [])
        found = self._search(marking, candidates) if candidates else None
        if found is not None:
            marking, consumed, produced, transition = found
            assert transition is not None
        else:
            # not enabled however the silent steps go: the tokens it lacks are missing
            transition = candidates[0] if candidates else Transition(label, ("<unknown>",), ())
            lacking = Counter(transition.takes) - marking
            missing = sum(lacking.values())
            marking = marking + lacking
        marking = _fire(transition, marking)
        result = (
            _key(marking),
            produced + len(transition.gives),
            consumed + len(transition.takes),
            missing,
        )
        self.steps[(key, label)] = result
        return result

    def end(self, key: Key) -> Step:
        """The silent steps to the sink and its token consumed; remaining tokens are the
        marking left."""
        cached = self.ends.get(key)
        if cached is not None:
            return cached
        marking: Marking = Counter(dict(key))
        produced = consumed = missing = 0
        found = self._search(marking, None)
        if found is not None:
            marking, consumed, produced, _ = found
        consumed += 1
        if marking[_SINK] > 0:
            marking[_SINK] -= 1
        else:
            missing += 1
        result = (_key(+marking), produced, consumed, missing)
        self.ends[key] = result
        return result

    def trace(self, trace: tuple[str, ...]) -> TraceFit:
        key: Key = ((_SOURCE, 1),)
        produced, consumed, missing = 1, 0, 0
        for label in trace:
            key, p, c, m = self.step(key, label)
            produced, consumed, missing = produced + p, consumed + c, missing + m
        key, p, c, m = self.end(key)
        remaining = sum(n for _, n in key)
        return TraceFit(produced + p, consumed + c, missing + m, remaining)


def replay(net: Net, log: Counter[tuple[str, ...]]) -> Replayed:
    """Every distinct trace of `log` replayed once on `net`."""
    replayer = _Replayer(net)
    results = [
        (trace, count, replayer.trace(trace))
        for trace, count in sorted(log.items(), key=lambda item: (-item[1], item[0]))
    ]
    return Replayed(results)
