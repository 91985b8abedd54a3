"""FEEL temporal parsing and arithmetic (DMN 1.5 Tables 57 and 58); the expectations are
hand-computed and cross-checked against the DMN TCK folders 0093 (`@` literals), 0099
(negation) and 0100 (arithmetic)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from regista.feel import evaluate
from regista.feel.temporal import (
    add,
    divide,
    multiply,
    negate,
    offset_zone,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_temporal,
    parse_time,
    subtract,
)
from regista.feel.values import (
    DaysTimeDuration,
    FeelEvalError,
    YearsMonthsDuration,
    to_string,
)

UTC = dt.UTC
PLUS1 = dt.timezone(dt.timedelta(hours=1))
PLUS11 = dt.timezone(dt.timedelta(hours=11))
PARIS = ZoneInfo("Europe/Paris")
MELBOURNE = ZoneInfo("Australia/Melbourne")


def dtd(seconds: int | str) -> DaysTimeDuration:
    return DaysTimeDuration(Decimal(seconds))


def ymd(months: int) -> YearsMonthsDuration:
    return YearsMonthsDuration(months)


HOUR, DAY = 3600, 86400

# ---------------------------------------------------------------- parsing


def test_parse_date() -> None:
    assert parse_date("2017-12-31") == dt.date(2017, 12, 31)
    assert parse_date("0001-01-01") == dt.date(1, 1, 1)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2012/12/25",
        "2012-12-25T",
        "2017-13-10",
        "2017-12-32",
        "2017-02-29",
        "998-12-31",  # fewer than four year digits
        "01211-12-31",  # a leading zero in a longer year
        "+2012-12-02",
        "2012-1-02",
        "1000000000-01-01",  # beyond FEEL's years
        "-1000000000-12-31",
        "-2017-02-29",
    ],
)
def test_parse_date_invalid(text: str) -> None:
    with pytest.raises(FeelEvalError):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01:02:03", dt.time(1, 2, 3)),
        ("00:00:00", dt.time(0)),
        ("11:22:33.444", dt.time(11, 22, 33, 444000)),
        # Python keeps microseconds; finer digits are truncated, never rounded up.
        ("11:22:33.123456789", dt.time(11, 22, 33, 123456)),
        ("23:59:59.9999999", dt.time(23, 59, 59, 999999)),
        ("23:59:00Z", dt.time(23, 59, tzinfo=UTC)),
        ("13:20:00+02:00", dt.time(13, 20, tzinfo=dt.timezone(dt.timedelta(hours=2)))),
        ("13:20:00-05:00", dt.time(13, 20, tzinfo=dt.timezone(dt.timedelta(hours=-5)))),
        ("11:22:33-00:00", dt.time(11, 22, 33, tzinfo=UTC)),
        ("11:22:33+00:00", dt.time(11, 22, 33, tzinfo=UTC)),
        (
            "11:59:45+02:45:55",
            dt.time(11, 59, 45, tzinfo=dt.timezone(dt.timedelta(hours=2, minutes=45, seconds=55))),
        ),
        ("10:30:00@Europe/Paris", dt.time(10, 30, tzinfo=PARIS)),
        ("24:00:00", dt.time(0)),  # XML Schema's end of day
    ],
)
def test_parse_time(text: str, expected: dt.time) -> None:
    result = parse_time(text)
    assert result == expected
    assert result.tzinfo == expected.tzinfo


def test_parse_time_keeps_zone_id() -> None:
    t = parse_time("00:01:00@Etc/UTC")
    assert isinstance(t.tzinfo, ZoneInfo)
    assert to_string(t) == "00:01:00@Etc/UTC"
    assert to_string(parse_time("11:22:33-00:00")) == "11:22:33Z"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "23:59:60",
        "24:00:01",
        "24:01:00",
        "25:00:00",
        "00:60:00",
        "7:00:00",
        "07:1:00",
        "07:01:2",
        "07:20",
        "11:30:00T",
        "11:30:00.",
        "13:20:00@xyz/abc",
        "13:20:00@../etc",
        "13:20:00+19:00",
        "13:20:00-19:00",
        "13:20:00+5:00",
        "13:20:00+05:0",
        "13:20:00+5",
        "13:20:00+02:60",
        "13:20:00+02:00@Europe/Paris",
    ],
)
def test_parse_time_invalid(text: str) -> None:
    with pytest.raises(FeelEvalError):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2012-12-24", dt.datetime(2012, 12, 24)),
        ("2017-12-31T11:22:33", dt.datetime(2017, 12, 31, 11, 22, 33)),
        ("2017-12-31T11:22:33.567Z", dt.datetime(2017, 12, 31, 11, 22, 33, 567000, UTC)),
        (
            "2017-12-31T11:22:33.456-01:35",
            dt.datetime(
                2017, 12, 31, 11, 22, 33, 456000, dt.timezone(-dt.timedelta(hours=1, minutes=35))
            ),
        ),
        ("2011-12-31T10:15:30@Europe/Paris", dt.datetime(2011, 12, 31, 10, 15, 30, tzinfo=PARIS)),
        ("2021-01-01T24:00:00", dt.datetime(2021, 1, 2)),
        ("2021-12-31T24:00:00Z", dt.datetime(2022, 1, 1, tzinfo=UTC)),
    ],
)
def test_parse_date_time(text: str, expected: dt.datetime) -> None:
    result = parse_date_time(text)
    assert result == expected
    assert result.tzinfo == expected.tzinfo


@pytest.mark.parametrize(
    "text",
    [
        "",
        "11:00:00",
        "2011-12-0310:15:30",
        "2011-12-03T10:15:30+01:00@Europe/Paris",
        "9999999999-12-27T11:22:33",
        "2017-13-10T11:22:33",
        "2017-00-10T11:22:33",
        "998-12-31T11:22:33",
        "+99999-12-01T11:22:33",
        "2017-12-31T24:00:01",
        "2017-12-31T00:00:61",
        "2017-12-31T07:2",
        "2017-12-31T13:20:00@xyz/abc",
        "2017-12-31T13:20:00+19:00",
        "999999999-12-31T24:00:00",  # the next day is past FEEL's last year
    ],
)
def test_parse_date_time_invalid(text: str) -> None:
    with pytest.raises(FeelEvalError):
        parse_date_time(text)


@pytest.mark.parametrize(
    ("text", "expected", "printed"),
    [
        ("P1D", dtd(DAY), "P1D"),
        ("PT2H", dtd(2 * HOUR), "PT2H"),
        ("PT0.999S", dtd("0.999"), "PT0.999S"),
        ("P1DT2H3M4.123456789S", dtd("93784.123456789"), "P1DT2H3M4.123456789S"),
        ("PT0S", dtd(0), "PT0S"),
        ("PT0.S", dtd(0), "PT0S"),
        ("P0D", dtd(0), "PT0S"),
        ("-P0D", dtd(0), "PT0S"),
        ("-PT1H2M", dtd(-3720), "-PT1H2M"),
        ("PT1000M", dtd(60000), "PT16H40M"),
        ("PT24H", dtd(DAY), "P1D"),
        ("P2DT274M", dtd(2 * DAY + 274 * 60), "P2DT4H34M"),
        ("P1Y2M", ymd(14), "P1Y2M"),
        ("P0Y", ymd(0), "P0M"),
        ("-P1Y", ymd(-12), "-P1Y"),
        ("P1Y27M", ymd(39), "P3Y3M"),
        ("-P100M", ymd(-100), "-P8Y4M"),
        ("P999999999M", ymd(999999999), "P83333333Y3M"),
    ],
)
def test_parse_duration(text: str, expected: Any, printed: str) -> None:
    result = parse_duration(text)
    assert type(result) is type(expected)
    assert result == expected
    assert str(result) == printed


@pytest.mark.parametrize(
    "text",
    ["", "P", "-P", "PT", "P1DT", "P0", "1Y", "1D", "P1H", "P1S", "+P1D", "P1.5D", "P1Y2M3DT4H"],
)
def test_parse_duration_invalid(text: str) -> None:
    with pytest.raises(FeelEvalError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-03-31", dt.date(2019, 3, 31)),
        ("2018-12-08T10:30:11", dt.datetime(2018, 12, 8, 10, 30, 11)),
        ("2018-12-08T10:30:11+11:00", dt.datetime(2018, 12, 8, 10, 30, 11, tzinfo=PLUS11)),
        ("10:30:11", dt.time(10, 30, 11)),
        ("10:30:11@Australia/Melbourne", dt.time(10, 30, 11, tzinfo=MELBOURNE)),
        ("P10D", dtd(10 * DAY)),
        ("-P10Y", ymd(-120)),
    ],
)
def test_parse_temporal(text: str, expected: Any) -> None:
    result = parse_temporal(text)
    assert type(result) is type(expected)
    assert result == expected


@pytest.mark.parametrize("text", ["foo", "", "2019-03-31 ", "T10:00:00", "P1Y2D"])
def test_parse_temporal_invalid(text: str) -> None:
    with pytest.raises(FeelEvalError):
        parse_temporal(text)


def test_offset_zone() -> None:
    assert offset_zone(dt.timedelta(0)) is UTC
    assert offset_zone(dt.timedelta(hours=-18)).utcoffset(None) == dt.timedelta(hours=-18)
    with pytest.raises(FeelEvalError):
        offset_zone(dt.timedelta(hours=18, seconds=1))


# ---------------------------------------------------------------- addition


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # date + years-months: calendar months, the day clamped to the month's end
        (dt.date(2021, 1, 1), ymd(12), dt.date(2022, 1, 1)),
        (dt.date(2020, 1, 31), ymd(1), dt.date(2020, 2, 29)),
        (dt.date(2021, 1, 31), ymd(1), dt.date(2021, 2, 28)),
        (dt.date(2021, 3, 31), ymd(-1), dt.date(2021, 2, 28)),
        (dt.date(2021, 1, 15), ymd(-13), dt.date(2019, 12, 15)),
        # date + days-time: midnight plus the duration, then its date
        (dt.date(2021, 1, 1), dtd(DAY), dt.date(2021, 1, 2)),
        (dt.date(2021, 1, 1), dtd(36 * HOUR), dt.date(2021, 1, 2)),
        (dt.date(2021, 1, 1), dtd(48 * HOUR), dt.date(2021, 1, 3)),
        (dt.date(2021, 1, 2), dtd(-1), dt.date(2021, 1, 1)),
        (dt.date(2020, 3, 1), dtd(-DAY), dt.date(2020, 2, 29)),
        # date and time + years-months
        (dt.datetime(2021, 1, 1, 10, 10, 10), ymd(1), dt.datetime(2021, 2, 1, 10, 10, 10)),
        (dt.datetime(2021, 1, 1, 10, 10, 10), ymd(-1), dt.datetime(2020, 12, 1, 10, 10, 10)),
        (
            dt.datetime(2020, 2, 29, 10, tzinfo=PLUS11),
            ymd(12),
            dt.datetime(2021, 2, 28, 10, tzinfo=PLUS11),
        ),
        # date and time + days-time
        (
            dt.datetime(2021, 1, 12, 10, 10, 10),
            dtd(DAY + HOUR),
            dt.datetime(2021, 1, 13, 11, 10, 10),
        ),
        (dt.datetime(2021, 1, 1, 10, 10, 10), dtd(-DAY), dt.datetime(2020, 12, 31, 10, 10, 10)),
        (
            dt.datetime(2021, 1, 1, 10, 10, 10, tzinfo=PLUS11),
            dtd(HOUR),
            dt.datetime(2021, 1, 1, 11, 10, 10, tzinfo=PLUS11),
        ),
        (dt.datetime(2021, 1, 1), dtd("0.5"), dt.datetime(2021, 1, 1, 0, 0, 0, 500000)),
        # time + days-time wraps around midnight
        (dt.time(10, 15), dtd(HOUR), dt.time(11, 15)),
        (dt.time(10, 15), dtd(DAY), dt.time(10, 15)),
        (dt.time(23, 30), dtd(HOUR), dt.time(0, 30)),
        (dt.time(0, 30), dtd(-HOUR), dt.time(23, 30)),
        (dt.time(0, 0, 0, 250000), dtd("-0.5"), dt.time(23, 59, 59, 750000)),
        (dt.time(10, 15, tzinfo=PLUS11), dtd(-3 * DAY), dt.time(10, 15, tzinfo=PLUS11)),
        # durations of the same kind
        (ymd(12), ymd(2), ymd(14)),
        (ymd(12), ymd(-2), ymd(10)),
        (dtd(DAY), dtd(2 * DAY), dtd(3 * DAY)),
        (dtd("0.1"), dtd("0.2"), dtd("0.3")),
    ],
)
def test_add(a: Any, b: Any, expected: Any) -> None:
    assert add(a, b) == expected
    assert add(b, a) == expected  # addition commutes
    result = add(a, b)
    assert type(result) is type(expected)
    if isinstance(expected, dt.time | dt.datetime):
        assert result.tzinfo == expected.tzinfo


def test_add_to_zone_id_keeps_the_zone() -> None:
    melbourne = dt.datetime(2021, 1, 12, 10, 10, 10, tzinfo=MELBOURNE)
    assert to_string(add(melbourne, dtd(DAY + HOUR))) == "2021-01-13T11:10:10@Australia/Melbourne"
    assert to_string(add(melbourne, ymd(1))) == "2021-02-12T10:10:10@Australia/Melbourne"
    assert to_string(add(dt.time(10, 15, tzinfo=MELBOURNE), dtd(-HOUR))) == (
        "09:15:00@Australia/Melbourne"
    )


def test_add_days_time_across_dst_is_elapsed_time() -> None:
    # Paris moved its clocks from 02:00 to 03:00 on 2021-03-28: 24 hours after noon on the
    # 27th is 13:00 on the 28th, while a month later keeps the wall-clock time.
    noon = dt.datetime(2021, 3, 27, 12, tzinfo=PARIS)
    after = add(noon, dtd(DAY))
    assert (after.replace(tzinfo=None), after.tzinfo) == (dt.datetime(2021, 3, 28, 13), PARIS)
    assert after.utcoffset() == dt.timedelta(hours=2)
    month = add(dt.datetime(2021, 2, 28, 12, tzinfo=PARIS), ymd(1))
    assert month.replace(tzinfo=None) == dt.datetime(2021, 3, 28, 12)
    assert month.utcoffset() == dt.timedelta(hours=2)


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        (dt.date(2021, 1, 1), "10", "cannot add date and string"),
        (dt.date(2021, 1, 1), Decimal(10), "cannot add date and number"),
        (dt.date(2021, 1, 1), dt.date(2021, 1, 1), "cannot add date and date"),
        (dt.datetime(2021, 1, 1), dt.time(10), "cannot add date and time and time"),
        (dt.time(10), ymd(12), "cannot add time and years and months duration"),
        (ymd(12), dt.time(10), "cannot add time and years and months duration"),
        (dtd(DAY), ymd(12), "cannot add days and time duration and years and months duration"),
        (dtd(DAY), Decimal(1), "cannot add days and time duration and number"),
        (dtd(DAY), None, "cannot add days and time duration and Null"),
        (None, dt.date(2021, 1, 1), "cannot add Null and date"),
        (True, dtd(DAY), "cannot add boolean and days and time duration"),
        ([dtd(DAY)], dtd(DAY), "cannot add list and days and time duration"),
    ],
)
def test_add_invalid(a: Any, b: Any, message: str) -> None:
    with pytest.raises(FeelEvalError, match=message):
        add(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (parse_date("999999999-12-31"), dtd(DAY)),
        (parse_date("-999999999-01-01"), dtd(-1)),
        (parse_date("999999999-12-01"), ymd(1)),
        (dt.date(2021, 1, 1), ymd(12 * 10**9)),
        (parse_date_time("-999999999-01-01T00:00:00@Europe/Paris"), dtd(-DAY)),
        (dt.date(2021, 1, 1), dtd(10**20)),
    ],
)
def test_add_out_of_range(a: Any, b: Any) -> None:
    with pytest.raises(FeelEvalError):
        add(a, b)


# ---------------------------------------------------------------- subtraction


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (dt.date(2021, 1, 2), dt.date(2021, 1, 1), dtd(DAY)),
        (dt.date(2021, 1, 2), dt.date(1995, 1, 1), dtd(9498 * DAY)),
        (dt.date(2021, 1, 1), dt.date(2021, 1, 2), dtd(-DAY)),
        (dt.datetime(2021, 1, 2, 10, 10, 10), dt.datetime(2021, 1, 1, 10, 10, 10), dtd(DAY)),
        (
            dt.datetime(2021, 1, 2, 10, 10, 10, tzinfo=PARIS),
            dt.datetime(2021, 1, 1, 10, 10, 10, tzinfo=ZoneInfo("Asia/Dhaka")),
            dtd(DAY + 5 * HOUR),
        ),
        (
            dt.datetime(2021, 1, 2, 10, 10, 10, tzinfo=PLUS1),
            dt.datetime(2021, 1, 1, 10, 10, 10, tzinfo=PARIS),
            dtd(DAY),
        ),
        # Across Paris's switch to summer time the day is 23 hours long.
        (
            dt.datetime(2021, 3, 28, 12, tzinfo=PARIS),
            dt.datetime(2021, 3, 27, 12, tzinfo=PARIS),
            dtd(23 * HOUR),
        ),
        (dt.datetime(2021, 1, 1, 0, 0, 1, 500000), dt.datetime(2021, 1, 1), dtd("1.5")),
        # A date with a date and time is midnight UTC of that date.
        (dt.datetime(2021, 1, 2, tzinfo=UTC), dt.date(2021, 1, 2), dtd(0)),
        (
            dt.datetime(2021, 1, 2, 10, 10, 10, tzinfo=PARIS),
            dt.date(2021, 1, 1),
            dtd(DAY + 9 * HOUR + 10 * 60 + 10),
        ),
        (
            dt.date(2021, 1, 2),
            dt.datetime(2021, 1, 1, 10, 10, 10, tzinfo=PLUS11),
            dtd(DAY + 49 * 60 + 50),
        ),
        # Times are on one reference day: no wrapping around midnight.
        (dt.time(10, 10, 10), dt.time(9, 10, 10), dtd(HOUR)),
        (dt.time(10, 10, 10), dt.time(11, 10, 10), dtd(-HOUR)),
        (dt.time(0, 0, 1), dt.time(23, 59, 59), dtd(-(DAY - 2))),
        (
            dt.time(10, tzinfo=PLUS1),
            dt.time(23, tzinfo=dt.timezone(-5 * dt.timedelta(hours=1))),
            dtd(-19 * HOUR),
        ),
        (dt.time(10, tzinfo=PLUS1), dt.time(9, tzinfo=UTC), dtd(0)),
        (dt.time(10, tzinfo=MELBOURNE), dt.time(9, tzinfo=MELBOURNE), dtd(HOUR)),
        (dt.time(0, 0, 0, 500000), dt.time(0), dtd("0.5")),
        # minus a duration
        (dt.date(2021, 1, 2), ymd(12), dt.date(2020, 1, 2)),
        (dt.date(2021, 3, 31), ymd(1), dt.date(2021, 2, 28)),
        (dt.date(2021, 1, 2), dtd(HOUR), dt.date(2021, 1, 1)),
        (dt.date(2021, 1, 2), dtd(-HOUR), dt.date(2021, 1, 2)),
        (dt.date(2021, 1, 2), dtd(25 * HOUR), dt.date(2020, 12, 31)),
        (dt.date(2021, 1, 2), dtd(-25 * HOUR), dt.date(2021, 1, 3)),
        (dt.datetime(2021, 1, 2), dtd(HOUR), dt.datetime(2021, 1, 1, 23)),
        (dt.datetime(2021, 1, 1, 10, 10, 10), ymd(-12), dt.datetime(2022, 1, 1, 10, 10, 10)),
        (dt.time(10, 10, 10), dtd(HOUR), dt.time(9, 10, 10)),
        (dt.time(10, 10, 10, tzinfo=PLUS11), dtd(DAY), dt.time(10, 10, 10, tzinfo=PLUS11)),
        (ymd(12), ymd(2), ymd(10)),
        (ymd(-12), ymd(2), ymd(-14)),
        (dtd(DAY), dtd(2 * HOUR), dtd(22 * HOUR)),
        (dtd(-DAY), dtd(-2 * HOUR), dtd(-22 * HOUR)),
    ],
)
def test_subtract(a: Any, b: Any, expected: Any) -> None:
    result = subtract(a, b)
    assert type(result) is type(expected)
    assert result == expected
    if isinstance(expected, dt.time | dt.datetime):
        assert result.tzinfo == expected.tzinfo


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        # a zoned date and time (or a date, which is UTC) against a local one
        (dt.datetime(2021, 1, 2, tzinfo=PARIS), dt.datetime(2021, 1, 1), "time zone"),
        (dt.datetime(2021, 1, 2), dt.datetime(2021, 1, 1, tzinfo=PLUS1), "time zone"),
        (dt.datetime(2021, 1, 1), dt.date(2021, 1, 2), "time zone"),
        (dt.date(2021, 1, 2), dt.datetime(2021, 1, 1, 10, 10, 10), "time zone"),
        (dt.time(10), dt.time(9, tzinfo=UTC), "time zone"),
        (dt.time(10), dt.date(2021, 1, 1), "cannot subtract date from time"),
        (dt.time(10), dt.datetime(2021, 1, 1), "cannot subtract date and time from time"),
        (dt.date(2021, 1, 1), dt.time(10), "cannot subtract time from date"),
        (dt.time(10), ymd(1), "cannot subtract years and months duration from time"),
        (dtd(DAY), dt.date(2021, 1, 1), "cannot subtract date from days and time duration"),
        (ymd(1), dtd(DAY), "cannot subtract days and time duration from years and months"),
        (dt.date(2021, 1, 1), Decimal(10), "cannot subtract number from date"),
        (dt.date(2021, 1, 1), None, "cannot subtract Null from date"),
        ("10", dtd(DAY), "cannot subtract days and time duration from string"),
    ],
)
def test_subtract_invalid(a: Any, b: Any, message: str) -> None:
    with pytest.raises(FeelEvalError, match=message):
        subtract(a, b)


# ---------------------------------------------------------------- multiplication, division


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (dtd(DAY), Decimal(10), dtd(10 * DAY)),
        (dtd(-DAY), Decimal(-10), dtd(10 * DAY)),
        (dtd(HOUR), Decimal(26), dtd(26 * HOUR)),
        (dtd(DAY), Decimal(0), dtd(0)),
        (dtd(4 * DAY + HOUR), Decimal("1.5"), dtd(6 * DAY + HOUR + 30 * 60)),
        (dtd(23 * HOUR), Decimal("2.5"), dtd(2 * DAY + 9 * HOUR + 30 * 60)),
        (ymd(12), Decimal(10), ymd(120)),
        (ymd(1), Decimal(26), ymd(26)),
        (ymd(2), Decimal("1.5"), ymd(3)),
        # whole months, truncated toward zero: 23 * -2.5 = -57.5 -> -57 (-P4Y9M)
        (ymd(23), Decimal("-2.5"), ymd(-57)),
        (ymd(1), Decimal("0.99"), ymd(0)),
    ],
)
def test_multiply(a: Any, b: Any, expected: Any) -> None:
    for result in (multiply(a, b), multiply(b, a)):
        assert type(result) is type(expected)
        assert result == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (dtd(DAY), dtd(DAY)),
        (ymd(1), ymd(1)),
        (dtd(DAY), "10"),
        (dtd(DAY), True),
        (dtd(DAY), [Decimal(10)]),
        (dtd(DAY), None),
        (dtd(DAY), Decimal("NaN")),
        (dt.date(2021, 1, 1), Decimal(10)),
        (dt.time(10), Decimal(10)),
        (Decimal(2), Decimal(3)),
    ],
)
def test_multiply_invalid(a: Any, b: Any) -> None:
    with pytest.raises(FeelEvalError, match="cannot multiply"):
        multiply(a, b)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (dtd(10 * DAY), Decimal(10), dtd(DAY)),
        (dtd(10 * DAY + 23 * HOUR), Decimal("2.5"), dtd(4 * DAY + 9 * HOUR + 12 * 60)),
        (dtd(1), Decimal(4), dtd("0.25")),
        (ymd(120), Decimal(10), ymd(12)),
        (ymd(131), Decimal("2.5"), ymd(52)),  # 52.4 months
        (ymd(131), Decimal("-2.5"), ymd(-52)),
        (dtd(10 * DAY), dtd(5 * DAY), Decimal(2)),
        (dtd(DAY), dtd(HOUR), Decimal(24)),
        (dtd(HOUR), dtd(DAY), Decimal("0.04166666666666666666666666666666667")),  # 34 digits
        (ymd(120), ymd(60), Decimal(2)),
        (ymd(12), ymd(5), Decimal("2.4")),
    ],
)
def test_divide(a: Any, b: Any, expected: Any) -> None:
    result = divide(a, b)
    assert type(result) is type(expected)
    assert result == expected


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        (dtd(DAY), Decimal(0), "by zero"),
        (ymd(12), Decimal(0), "by zero"),
        (dtd(DAY), dtd(0), "zero duration"),
        (ymd(12), ymd(0), "zero duration"),
        (dtd(DAY), ymd(12), "cannot divide"),
        (ymd(12), dtd(DAY), "cannot divide"),
        (Decimal(10), dtd(DAY), "cannot divide number by days and time duration"),
        (dt.date(2021, 1, 1), Decimal(2), "cannot divide date by number"),
        (dtd(DAY), None, "cannot divide"),
    ],
)
def test_divide_invalid(a: Any, b: Any, message: str) -> None:
    with pytest.raises(FeelEvalError, match=message):
        divide(a, b)


def test_negate() -> None:
    assert negate(dtd(DAY)) == dtd(-DAY)
    assert negate(dtd(-DAY)) == dtd(DAY)
    assert negate(ymd(12)) == ymd(-12)
    assert negate(Decimal("1.5")) == Decimal("-1.5")
    assert str(negate(dtd(0))) == "PT0S"
    for bad in (dt.date(2021, 1, 1), dt.datetime(2021, 1, 1), dt.time(10), "1", None, True):
        with pytest.raises(FeelEvalError, match="cannot negate"):
            negate(bad)


# ---------------------------------------------------------------- through the evaluator


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('@"2021-01-01" + @"P1M"', "2021-02-01"),
        ('@"P1Y" + @"2021-01-01"', "2022-01-01"),
        ('@"2021-01-01T24:00:00" + @"PT1S"', "2021-01-02T00:00:01"),
        (
            '@"2021-01-01T10:10:10@Australia/Melbourne" - @"P1Y"',
            "2020-01-01T10:10:10@Australia/Melbourne",
        ),
        ('@"2021-01-02T10:10:10@Europe/Paris" - @"1995-01-01"', "P9498DT9H10M10S"),
        ('@"2021-01-02T10:10:10@Europe/Paris" - @"1995-01-01T10:10:10@Asia/Dhaka"', "P9498DT5H"),
        ('@"10:10:10@Australia/Melbourne" - @"11:10:10@Australia/Melbourne"', "-PT1H"),
        ('string(@"10:15:00@Australia/Melbourne" + @"-P1D")', "10:15:00@Australia/Melbourne"),
        ('1.5 * @"P4DT1H"', "P6DT1H30M"),
        ('@"P1Y11M" * -2.5', "-P4Y9M"),
        ('@"P10DT23H" / 2.5', "P4DT9H12M"),
        ('-@"-P1Y"', "P1Y"),
    ],
)
def test_evaluate(expression: str, expected: str) -> None:
    warnings: list[str] = []
    assert to_string(evaluate(expression, {}, warnings)) == expected
    assert warnings == []


@pytest.mark.parametrize(
    "expression",
    [
        '@"2021-01-02T10:10:10+02:00" - @"2021-01-01T10:10:10"',
        '@"2021-01-01T00:00:00" - @"2021-01-02"',
        '@"10:10:10" + @"P1Y"',
        '@"P1D" - @"2021-01-01"',
        '@"P10Y" / 0',
        '@"P10D" / @"P0D"',
        '10 / @"P1D"',
        '@"2021-01-01" + 10',
        '@"foo"',
        '@"2017-12-31T24:00:01"',
    ],
)
def test_evaluate_invalid_is_null_with_warning(expression: str) -> None:
    warnings: list[str] = []
    assert evaluate(expression, {}, warnings) is None
    assert warnings
