"""Timer definitions: ISO 8601 dates, durations, cycles, cron."""

from __future__ import annotations

import datetime as dt

import pytest

from regista.engine.timers import (
    TimerError,
    cron_next,
    next_plan,
    parse_duration,
    parse_instant,
    plan,
    plan_cycle,
)
from regista.model.bpmn import Expression, TimerEventDefinition

NOW = dt.datetime(2026, 1, 31, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT10M", NOW + dt.timedelta(minutes=10)),
        ("P1DT2H", NOW + dt.timedelta(days=1, hours=2)),
        ("P2W", NOW + dt.timedelta(days=14)),
        ("P1M", dt.datetime(2026, 2, 28, 12, 0, tzinfo=dt.UTC)),
        ("PT0.5S", NOW + dt.timedelta(seconds=0.5)),
    ],
)
def test_durations(text: str, expected: dt.datetime) -> None:
    assert plan(TimerEventDefinition(time_duration=Expression.literal(text)), NOW).due == expected


@pytest.mark.parametrize("text", ["10 minutes", "P", "PT", "P1H"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(TimerError):
        parse_duration(text)


def test_dates() -> None:
    assert parse_instant("2026-03-01T10:00:00Z") == dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)
    assert parse_instant("2026-03-01T12:00:00+02:00") == dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)
    assert parse_instant("2026-03-01") == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    with pytest.raises(TimerError):
        parse_instant("tomorrow")


def test_cycles() -> None:
    first = plan_cycle("R3/PT10M", NOW)
    assert (first.due, first.remaining) == (NOW + dt.timedelta(minutes=10), 2)
    second = next_plan(first.cycle or "", first.remaining, first.due)
    assert second is not None and second.due == NOW + dt.timedelta(minutes=20)
    third = next_plan(second.cycle or "", second.remaining, second.due)
    assert third is not None and third.remaining == 0
    assert next_plan(third.cycle or "", third.remaining, third.due) is None
    start = plan_cycle("R/2026-02-01T00:00:00Z/P1D", NOW)
    assert start.due == dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    assert start.remaining == -1
    following = next_plan(start.cycle or "", start.remaining, start.due)
    assert following is not None and following.due == dt.datetime(2026, 2, 2, tzinfo=dt.UTC)
    bounded = plan_cycle("R/PT1H/2026-01-31T13:30:00Z", NOW)
    after = next_plan(bounded.cycle or "", bounded.remaining, bounded.due)
    assert after is None


def test_cron() -> None:
    monday_nine = cron_next("0 0 9 * * MON-FRI", dt.datetime(2026, 1, 31, tzinfo=dt.UTC))
    assert monday_nine == dt.datetime(2026, 2, 2, 9, tzinfo=dt.UTC)
    every_quarter = cron_next("*/15 * * * *", NOW)
    assert every_quarter == NOW + dt.timedelta(minutes=15)
    cycle = plan_cycle("0 30 8 1 * *", NOW)
    assert cycle.due == dt.datetime(2026, 2, 1, 8, 30, tzinfo=dt.UTC)


def test_feel_timer_values() -> None:
    definition = TimerEventDefinition(time_duration=Expression.feel('duration("PT1H")'))
    from regista.feel import evaluate

    due = plan(definition, NOW, lambda e: evaluate(e.text)).due
    assert due == NOW + dt.timedelta(hours=1)
