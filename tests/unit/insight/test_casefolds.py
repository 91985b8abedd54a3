"""The folds over the steps streamed case by case (SQLite's variants and directly-follows
graph), against counts worked out by hand."""

from __future__ import annotations

from regista.insight.casefolds import Activity, Edge, Variant, follows, variants

# (case, activity, scheduled or started, ended), case by case in path order
STEPS = [
    ("c1", "a", 0.0, 10.0),
    ("c1", "b", 12.0, 20.0),
    ("c1", "c", 25.0, 30.0),
    ("c2", "a", 100.0, 110.0),
    ("c2", "b", 111.0, 130.0),
    ("c2", "c", 140.0, 150.0),
    ("c3", "a", 200.0, None),  # still running: no span, no gap after it
    ("c3", "b", 205.0, None),
    ("c4", "c", 300.0, 301.0),  # one step: starts and ends its case
]


def test_variants_count_the_cases_and_span_those_that_ended() -> None:
    found = variants(iter(STEPS), "/")
    assert found == {
        "a/b/c": Variant(cases=2, spans=2, total_span=30.0 + 50.0, max_span=50.0),
        "a/b": Variant(cases=1),
        "c": Variant(cases=1, spans=1, total_span=1.0, max_span=1.0),
    }
    assert found["a/b/c"].mean_span == 40.0
    assert found["a/b"].mean_span is None


def test_the_same_pass_gathers_each_activitys_executions() -> None:
    # (started, element_type) after each step: work began 2 s after the token arrived
    types = {"a": "userTask", "b": None, "c": "serviceTask"}
    rows = [(*step, step[2] + 2.0, types[step[1]]) for step in STEPS]
    activities: dict[str, Activity] = {}
    found = variants(iter(rows), "/", activities)
    assert found == variants(iter(STEPS), "/")
    assert activities == {
        "a": Activity("userTask", 3, waiting=[2.0, 2.0, 2.0], service=[8.0, 8.0]),
        "b": Activity(None, 3, waiting=[2.0, 2.0, 2.0], service=[6.0, 17.0]),
        "c": Activity("serviceTask", 3, waiting=[2.0, 2.0, 2.0], service=[3.0, 8.0, -1.0]),
    }


def test_follows_counts_edges_with_the_gaps_of_steps_that_ended() -> None:
    edges = follows(iter(STEPS))
    assert edges == {
        (None, "a"): Edge(count=3),
        ("a", "b"): Edge(count=3, gaps=2, total=2.0 + 1.0, min=1.0, max=2.0),
        ("b", "c"): Edge(count=2, gaps=2, total=5.0 + 10.0, min=5.0, max=10.0),
        ("c", None): Edge(count=3),
        ("b", None): Edge(count=1),
        (None, "c"): Edge(count=1),
    }


def test_a_negative_gap_is_kept_as_the_sql_keeps_it() -> None:
    # the next step started before this one ended (work overlapping)
    edges = follows(iter([("c1", "a", 0.0, 10.0), ("c1", "b", 4.0, 12.0)]))
    assert edges[("a", "b")] == Edge(count=1, gaps=1, total=-6.0, min=-6.0, max=-6.0)


def test_nothing_streamed_gives_nothing() -> None:
    assert variants(iter([]), "/") == {}
    assert follows(iter([])) == {}
