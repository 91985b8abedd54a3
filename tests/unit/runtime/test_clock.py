"""The fake clock and the ISO 8601 timer text the runtime reads."""

from __future__ import annotations

import datetime as dt

import pytest

from regista.runtime.clock import DEFAULT_START, FakeClock, TimeError, after, parse_cycle

UTC = dt.UTC


def test_the_clock_starts_at_a_fixed_instant_and_moves_only_when_told() -> None:
    clock = FakeClock()
    assert clock() == DEFAULT_START
    assert clock.advance("PT2H") == DEFAULT_START + dt.timedelta(hours=2)
    clock.advance(dt.timedelta(minutes=30))
    assert clock.now == DEFAULT_START + dt.timedelta(hours=2, minutes=30)


def test_a_naive_start_is_taken_as_utc_and_text_is_read() -> None:
    assert FakeClock(dt.datetime(2024, 5, 1, 9)).now == dt.datetime(2024, 5, 1, 9, tzinfo=UTC)
    assert FakeClock("2024-05-01T09:00:00Z").now == dt.datetime(2024, 5, 1, 9, tzinfo=UTC)


def test_months_follow_the_calendar() -> None:
    start = dt.datetime(2024, 1, 31, tzinfo=UTC)
    assert after(start, "P1M") == dt.datetime(2024, 2, 29, tzinfo=UTC)
    assert after(start, "P1DT1H") == dt.datetime(2024, 2, 1, 1, tzinfo=UTC)


def test_the_clock_never_goes_back() -> None:
    clock = FakeClock()
    with pytest.raises(TimeError, match="cannot go back"):
        clock.set(DEFAULT_START - dt.timedelta(seconds=1))


def test_a_bad_duration_says_what_to_write() -> None:
    with pytest.raises(TimeError, match="PT30M"):
        FakeClock().advance("two hours")


def test_cycles_count_down_their_repetitions() -> None:
    cycle = parse_cycle("R2/PT1H")
    assert cycle.repetitions == 2
    first = cycle.first(DEFAULT_START)
    assert first == DEFAULT_START + dt.timedelta(hours=1)
    second = cycle.next(first)
    assert second is not None and second.start == first + dt.timedelta(hours=1)
    assert second.next(second.first(DEFAULT_START)) is None


def test_an_unbounded_cycle_with_a_start_date() -> None:
    cycle = parse_cycle("R/2024-05-01T08:00:00Z/P1D")
    assert cycle.repetitions is None
    assert cycle.first(DEFAULT_START) == dt.datetime(2024, 5, 1, 8, tzinfo=UTC)
    following = cycle.next(cycle.first(DEFAULT_START))
    assert following is not None and following.start == dt.datetime(2024, 5, 2, 8, tzinfo=UTC)


def test_a_bad_cycle_shows_an_example() -> None:
    with pytest.raises(TimeError, match="R3/PT1H"):
        parse_cycle("every hour")
