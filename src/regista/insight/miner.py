"""The inductive miner, infrequent variant (IMf): a log in, a sound process tree out.

Recursively: a base case (no activity, or one activity once per trace), else a cut of
the directly-follows graph (`cuts.py`) tried first on the whole graph and then, when
`noise` > 0 and none is found, on the graph without its infrequent edges; the log is then
split by the cut, dropping the events that do not fit it, and each part mined in turn.
When no cut exists, fall-throughs in the published order: an activity that occurs once
per trace set in parallel to the rest, an activity without which the rest has a cut set in
parallel to it (activity concurrent), a loop back at each point where an end activity is
followed by a start activity (strict tau loop) or before each start activity (tau loop),
and at last the flower model, where anything may follow anything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import partial
from operator import eq, ne

from regista.insight.cuts import Dfg, exclusive_cut, loop_cut, parallel_cut, sequence_cut
from regista.insight.process_tree import Log, Operator, ProcessTree, activity, operator, tau

__all__ = ["mine"]

Groups = list[set[str]]


def mine(log: Log, noise: float = 0.0) -> ProcessTree:
    """The process tree of `log`; `noise` (0 to 1) is IMf's threshold: edges, start and
    end activities and empty traces rarer than that share of the strongest are ignored."""
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise must be between 0 and 1, not {noise}")
    return _mine(Counter({t: n for t, n in log.items() if n > 0}), noise)


def _mine(log: Log, noise: float) -> ProcessTree:
    total = sum(log.values())
    empty = log.get((), 0)
    if empty == total:
        return tau()
    if empty:
        rest = Counter({t: n for t, n in log.items() if t})
        if empty < noise * total:
            return _mine(rest, noise)  # rare empty traces are noise
        return operator(Operator.XOR, [tau(), _mine(rest, noise)])
    dfg = Dfg.of(log)
    if len(dfg.activities) == 1:
        return _single(log, next(iter(dfg.activities)))
    found = _cut(dfg)
    if found is None and noise > 0:
        found = _cut(dfg.filtered(noise))
    if found is not None:
        op, groups = found
        parts = _split(log, op, groups)
        return operator(op, [_mine(part, noise) for part in parts])
    return _fall_through(log, dfg, noise)


def _single(log: Log, label: str) -> ProcessTree:
    """One activity: once per trace, or repeated (a loop), or sometimes skipped."""
    lengths = Counter({len(t): n for t, n in log.items()})
    if set(lengths) == {1}:
        return activity(label)
    return operator(Operator.LOOP, [activity(label), tau()])


def _cut(dfg: Dfg) -> tuple[Operator, Groups] | None:
    for op, finder in (
        (Operator.XOR, exclusive_cut),
        (Operator.SEQUENCE, sequence_cut),
        (Operator.AND, parallel_cut),
        (Operator.LOOP, loop_cut),
    ):
        groups = finder(dfg)
        if groups is not None:
            return op, groups
    return None


def _split(log: Log, op: Operator, groups: Groups) -> list[Log]:
    parts: list[Log] = [Counter() for _ in groups]
    for trace, count in log.items():
        if op is Operator.XOR:
            # the group most of the trace belongs to; the other events are noise
            best = max(range(len(groups)), key=lambda i: sum(a in groups[i] for a in trace))
            parts[best][tuple(a for a in trace if a in groups[best])] += count
        elif op is Operator.SEQUENCE:
            for i, piece in enumerate(_sequence_pieces(trace, groups)):
                parts[i][piece] += count
        elif op is Operator.AND:
            for i, group in enumerate(groups):
                parts[i][tuple(a for a in trace if a in group)] += count
        else:
            for i, piece in _loop_pieces(trace, groups):
                parts[i][piece] += count
    return parts


def _sequence_pieces(trace: tuple[str, ...], groups: Groups) -> list[tuple[str, ...]]:
    """The trace cut in one piece per group, each cut placed where it keeps the most
    events of its group and lets the fewest of the others in (those are dropped)."""
    pieces = []
    at = 0
    for i, group in enumerate(groups):
        if i == len(groups) - 1:
            end = len(trace)
        else:
            score = best = 0
            end = at
            for j in range(at, len(trace)):
                score += 1 if trace[j] in group else -1
                if score > best:
                    best, end = score, j + 1
        pieces.append(tuple(a for a in trace[at:end] if a in group))
        at = end
    return pieces


def _loop_pieces(trace: tuple[str, ...], groups: Groups) -> list[tuple[int, tuple[str, ...]]]:
    """The trace as body, redo, body, ... pieces (an empty body where a redo part is
    not between two bodies); events of no group stay in the piece they interrupt."""
    owner = {a: i for i, g in enumerate(groups) for a in g}
    pieces: list[tuple[int, list[str]]] = []
    for a in trace:
        group = owner.get(a)
        if group is None:
            continue
        if pieces and pieces[-1][0] == group:
            pieces[-1][1].append(a)
            continue
        if group != 0 and (not pieces or pieces[-1][0] != 0):
            pieces.append((0, []))  # a redo part always follows a body
        pieces.append((group, [a]))
    if not pieces or pieces[-1][0] != 0:
        pieces.append((0, []))
    return [(i, tuple(p)) for i, p in pieces]


def _project(log: Log, keep: Callable[[str], bool]) -> Log:
    """The log with only the events `keep` accepts."""
    found: Log = Counter()
    for trace, count in log.items():
        found[tuple(a for a in trace if keep(a))] += count
    return found


def _fall_through(log: Log, dfg: Dfg, noise: float) -> ProcessTree:
    for label in sorted(dfg.activities):
        if all(t.count(label) == 1 for t in log):
            rest = _project(log, partial(ne, label))
            return operator(Operator.AND, [activity(label), _mine(rest, noise)])
    for label in sorted(dfg.activities):
        # activity concurrent: without it, the rest has a cut
        rest = _project(log, partial(ne, label))
        remaining = Counter({t: n for t, n in rest.items() if t})
        if remaining and _cut(Dfg.of(remaining)) is not None:
            alone = _project(log, partial(eq, label))
            return operator(Operator.AND, [_mine(alone, noise), _mine(rest, noise)])
    for split in (_strict_tau_loop(log, dfg), _tau_loop(log, dfg)):
        if split is not None:
            return operator(Operator.LOOP, [_mine(split, noise), tau()])
    choices = [activity(a) for a in sorted(dfg.activities)]
    return operator(Operator.LOOP, [tau(), operator(Operator.XOR, choices)])


def _tau_loop(log: Log, dfg: Dfg) -> Log | None:
    """The traces split before every start activity that is not first; None when that
    splits nothing."""
    split: Log = Counter()
    cut = False
    for trace, count in log.items():
        piece: list[str] = []
        for a in trace:
            if piece and a in dfg.starts:
                split[tuple(piece)] += count
                piece = []
                cut = True
            piece.append(a)
        split[tuple(piece)] += count
    return split if cut else None


def _strict_tau_loop(log: Log, dfg: Dfg) -> Log | None:
    """The traces split wherever an end activity is directly followed by a start
    activity; None when that splits nothing."""
    split: Log = Counter()
    cut = False
    for trace, count in log.items():
        piece: list[str] = []
        for i, a in enumerate(trace):
            piece.append(a)
            if i + 1 < len(trace) and a in dfg.ends and trace[i + 1] in dfg.starts:
                split[tuple(piece)] += count
                piece = []
                cut = True
        split[tuple(piece)] += count
    return split if cut else None
