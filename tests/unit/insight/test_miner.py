"""The inductive miner on hand-made logs: each operator found where the log shows it, the
noise threshold dropping rare behaviour, and the fall-throughs when no cut exists."""

from __future__ import annotations

from collections import Counter

import pytest

from regista.insight.cuts import Dfg, loop_cut, parallel_cut, sequence_cut
from regista.insight.miner import mine
from regista.insight.process_tree import Log


def log(*traces: str | tuple[str, int]) -> Log:
    """Traces as strings of one-letter activities, with a count where given."""
    found: Log = Counter()
    for item in traces:
        text, count = (item, 1) if isinstance(item, str) else item
        found[tuple(text)] += count
    return found


@pytest.mark.parametrize(
    ("traces", "tree"),
    [
        (["abc"], "seq('a', 'b', 'c')"),
        (["abd", "acd"], "seq('a', xor('b', 'c'), 'd')"),
        (["abcd", "acbd"], "seq('a', and('b', 'c'), 'd')"),
        (["abc", "abcbc"], "seq('a', loop(seq('b', 'c'), tau))"),
        (["abd", "abcbd"], "seq('a', loop('b', 'c'), 'd')"),
        (["ab", "b"], "seq(xor(tau, 'a'), 'b')"),
        (["a", ""], "xor(tau, 'a')"),
        (["a", "aa"], "loop('a', tau)"),
        ([""], "tau"),
        (["abc", "acb", "bac", "bca", "cab", "cba"], "and('a', 'b', 'c')"),
    ],
)
def test_each_operator(traces: list[str], tree: str) -> None:
    assert str(mine(log(*traces))) == tree


def test_nested_blocks() -> None:
    traces = log("abcef", "acbef", "adef", "abcegbcef", "adegdef", "adegcbef")
    assert str(mine(traces)) == "seq('a', loop(seq(xor(and('b', 'c'), 'd'), 'e'), 'g'), 'f')"


def test_without_a_cut_an_activity_goes_concurrent() -> None:
    # g leads back to b and d but never to c, which also starts the loop's body: no loop
    # cut; without b, the rest has one (activity concurrent, the published fall-through)
    traces = log("abcef", "acbef", "adef", "abcegbcef", "adegdef")
    assert str(mine(traces)) == (
        "seq('a', and(xor(tau, loop('b', tau)), loop(seq(xor('c', 'd'), 'e'), 'g')), 'f')"
    )


def test_a_loop_with_a_redo_part() -> None:
    found = mine(log("abd", "abcbd", "abcbcbd"))
    assert str(found) == "seq('a', loop('b', 'c'), 'd')"


def test_noise_rare_skips_are_dropped() -> None:
    traces = log(("abcde", 50), ("abce", 2))
    assert str(mine(traces)) == "seq('a', 'b', 'c', xor(tau, 'd'), 'e')"
    assert str(mine(traces, 0.2)) == "seq('a', 'b', 'c', 'd', 'e')"


def test_noise_rare_orders_are_dropped() -> None:
    traces = log(("abce", 50), ("abcbce", 50), ("abdc", 2))
    assert str(mine(traces)) == (
        "seq('a', and(loop('b', tau), seq(xor(tau, 'd'), loop('c', tau))), xor(tau, 'e'))"
    )
    assert str(mine(traces, 0.2)) == "seq('a', loop(seq('b', 'c'), tau), 'e')"


def test_the_filter_keeps_edges_by_their_share_of_the_strongest() -> None:
    dfg = Dfg.of(log(("ab", 10), ("ac", 3), ("ad", 1)))
    kept = dfg.filtered(0.2)
    assert set(kept.edges) == {("a", "b"), ("a", "c")}
    assert set(dfg.filtered(0.0).edges) == set(dfg.edges)


def test_cut_finders_say_none_when_the_graph_has_no_such_cut() -> None:
    dfg = Dfg.of(log("abc", "acb"))
    assert sequence_cut(dfg) is not None
    assert parallel_cut(Dfg.of(log("ab"))) is None
    assert loop_cut(Dfg.of(log("ab"))) is None
    assert loop_cut(Dfg.of(log("ab", "abab"))) is None  # one body, no redo part


def test_an_activity_once_per_trace_is_set_in_parallel() -> None:
    # no cut: b and c interleave with a in every way but a occurs once per trace
    found = mine(log("abcb", "bacb", "bcab"))
    assert str(found).startswith("and('a', ")


def test_the_noise_must_be_a_share() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        mine(log("a"), 1.5)
