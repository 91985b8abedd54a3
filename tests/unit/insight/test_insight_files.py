"""Reading event log files: the events they hold, and problems named by line and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from regista.insight import LogFormatError, MappingError, Report
from regista.insight.charts import (
    histogram_svg,
    histogram_text,
    paired_svg,
    paired_text,
    with_bars,
)
from regista.insight.importer import CsvMapping, RawEvent, read_csv, read_xes

XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">
  <string key="concept:name" value="log"/>
  <trace>
    <string key="concept:name" value="c1"/>
    <event>
      <string key="concept:name" value="A"/>
      <date key="time:timestamp" value="2024-03-01T10:00:00.000+01:00"/>
      <string key="org:resource" value="ann"/>
    </event>
    <event>
      <string key="concept:name" value="B"/>
      <string key="lifecycle:transition" value="START"/>
      <date key="time:timestamp" value="2024-03-01T09:30:00Z"/>
    </event>
  </trace>
  <trace>
    <event>
      <string key="concept:name" value="A"/>
      <date key="time:timestamp" value="2024-03-02T10:00:00Z"/>
    </event>
    <string key="concept:name" value="c2"/>
  </trace>
</log>
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_xes_events_in_trace_order(tmp_path: Path) -> None:
    events = list(read_xes(write(tmp_path, "a.xes", XES)))
    assert events == [
        RawEvent("c1", "A", 1709283600.0, "complete", "ann"),
        RawEvent("c1", "B", 1709285400.0, "start", None),
        RawEvent("c2", "A", 1709373600.0, "complete", None),
    ]


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (
            XES.replace('value="2024-03-01T09:30:00Z"', 'value="half past nine"'),
            r"a\.xes, line 14, field 'time:timestamp': 'half past nine' is not an xs:dateTime",
        ),
        (
            XES.replace('<date key="time:timestamp" value="2024-03-02T10:00:00Z"/>', ""),
            r"line 18, field 'time:timestamp': the event has no timestamp",
        ),
        (
            XES.replace('<string key="concept:name" value="B"/>', ""),
            r"line 11, field 'concept:name': the event has no activity name",
        ),
        (
            XES.replace('<string key="concept:name" value="c2"/>', ""),
            r"line 17, field 'concept:name': the trace has no name",
        ),
        (XES.replace("</event>\n  </trace>\n  <trace>", "</trace><trace>"), r"line 15: not well"),
    ],
)
def test_xes_problems_name_the_line_and_field(tmp_path: Path, broken: str, message: str) -> None:
    with pytest.raises(LogFormatError, match=message):
        list(read_xes(write(tmp_path, "a.xes", broken)))


CSV = "Case ID,Activity,Start Time,Who\nc1,A,2024-03-01 10:00:00,ann\nc1,B,2024-03-01T11:00Z,\n"


def test_csv_with_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", CSV)
    mapping = CsvMapping(
        case="Case ID", activity="Activity", timestamp="Start Time", resource="Who"
    )
    assert list(read_csv(path, mapping)) == [
        RawEvent("c1", "A", 1709287200.0, "complete", "ann"),
        RawEvent("c1", "B", 1709290800.0, "complete", None),
    ]


def test_a_wrong_mapping_is_refused_with_the_columns_found(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", CSV)
    with pytest.raises(MappingError) as caught:
        list(read_csv(path, CsvMapping(case="case", activity="Activity")))
    assert caught.value.found == ["Case ID", "Activity", "Start Time", "Who"]
    text = str(caught.value)
    assert "--case 'case'" in text and "--timestamp 'timestamp'" in text
    assert "the columns found are: 'Case ID', 'Activity', 'Start Time', 'Who'" in text


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("c2,A,tomorrow,bob", r"a\.csv, line 4, field 'Start Time': 'tomorrow' is not an ISO"),
        ("c2,,2024-03-01T11:00Z,bob", r"line 4, field 'Activity': the activity is empty"),
        ("c2,A,2024-03-01T11:00Z", r"line 4: 3 fields where the header has 4"),
    ],
)
def test_csv_problems_name_the_line_and_field(tmp_path: Path, row: str, message: str) -> None:
    path = write(tmp_path, "a.csv", CSV + row + "\n")
    mapping = CsvMapping("Case ID", "Activity", "Start Time", "Who")
    with pytest.raises(LogFormatError, match=message):
        list(read_csv(path, mapping))


def test_the_histogram_charts() -> None:
    report = Report(
        "durations",
        "Durations",
        ("from", "to", "count"),
        [{"from": 0.0, "to": 60.0, "count": 4}, {"from": 60.0, "to": 120.0, "count": 1}],
    )
    svg = etree.fromstring(histogram_svg(report).encode())
    bars = svg.findall("{http://www.w3.org/2000/svg}rect")[1:]
    heights = [float(b.get("height", "0")) for b in bars]
    assert len(bars) == 2 and heights[0] == 4 * heights[1]
    lines = histogram_text(report, width=8).splitlines()
    assert lines[0].endswith("│████████ 4") and lines[1].endswith("│██       1")


@pytest.mark.parametrize("suffix", ["xes", "csv"])
def test_progress_hears_every_byte_and_the_events_are_the_same(tmp_path: Path, suffix: str) -> None:
    rows = "".join(f"c{n},A{n % 7},2024-03-01T10:{n % 60:02d}:00Z\n" for n in range(3000))
    text = XES if suffix == "xes" else "case_id,activity,timestamp\n" + rows
    path = write(tmp_path, f"a.{suffix}", text)
    heard: list[int] = []

    def read(progress: Callable[[int], None] | None) -> list[RawEvent]:
        if suffix == "xes":
            return list(read_xes(path, progress))
        return list(read_csv(path, CsvMapping(), progress))

    assert read(heard.append) == read(None)
    assert sum(heard) == path.stat().st_size
    if suffix == "csv":
        assert len(heard) > 1  # told as it goes, not once at the end


def test_bars_scale_to_the_largest_value() -> None:
    report = Report("r", "R", ("a", "share"), [{"a": 1, "share": 0.5}, {"a": 2, "share": 0.25}])
    barred = with_bars(report, "share", width=8)
    assert barred.columns == ("a", "share", "chart")
    assert barred.column("chart") == ["█" * 8, "█" * 4]
    empty = with_bars(Report("r", "R", ("a",), [{"a": None}]), "a")
    assert empty.column("chart") == [""]


def test_paired_bins_as_text_and_svg() -> None:
    rows = [
        {"from": 0.0, "to": 60.0, "count_from": 4, "count_to": 2},
        {"from": 60.0, "to": 120.0, "count_from": 0, "count_to": 1},
    ]
    lines = paired_text(rows, width=4).splitlines()
    assert lines[0].endswith("from │░░░░ 4") and lines[1].endswith("to │██   2")
    assert lines[2].endswith("from │     0") and lines[3].endswith("to │█    1")
    assert paired_text([]) == "no case has ended on either side"
    svg = etree.fromstring(paired_svg(rows, title="A & B").encode())
    bars = svg.findall("{http://www.w3.org/2000/svg}rect")
    assert len(bars) == 1 + 2 + 4  # the background, the legend, two bars per bin
