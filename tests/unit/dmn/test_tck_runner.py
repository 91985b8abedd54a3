"""The DMN TCK runner over a tiny synthetic TCK tree: reading values, comparing, counting."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from regista.dmn.tck import (
    LevelSummary,
    TckReport,
    level_of,
    mismatch,
    read_test_file,
    run,
    value_of,
    write_csv,
)
from regista.feel.values import DaysTimeDuration, YearsMonthsDuration

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="greet"
             name="greet" namespace="https://example.org/greet">
  <inputData id="name-input" name="Name">
    <variable id="name-var" name="Name" typeRef="string"/>
  </inputData>
  <decision id="greeting" name="Greeting">
    <variable id="greeting-var" name="Greeting" typeRef="string"/>
    <informationRequirement id="ir1"><requiredInput href="#name-input"/></informationRequirement>
    <literalExpression id="greeting-expr"><text>"Hello " + Name</text></literalExpression>
  </decision>
  <decision id="half" name="Half">
    <variable id="half-var" name="Half" typeRef="number"/>
    <literalExpression id="half-expr"><text>1 / 3</text></literalExpression>
  </decision>
</definitions>
"""

TESTS = """<?xml version="1.0" encoding="UTF-8"?>
<testCases xmlns="http://www.omg.org/spec/DMN/20160719/testcase"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
           xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <modelName>{model}</modelName>
  <testCase id="001">
    <inputNode name="Name"><value xsi:type="xsd:string">Ann</value></inputNode>
    <resultNode name="Greeting" type="decision">
      <expected><value xsi:type="xsd:string">Hello Ann</value></expected>
    </resultNode>
    <resultNode name="Half" type="decision">
      <expected><value xsi:type="xsd:decimal">0.333333333333</value></expected>
    </resultNode>
  </testCase>
  <testCase id="002">
    <inputNode name="Name"><value xsi:type="xsd:string">Bob</value></inputNode>
    <resultNode name="Greeting" type="decision">
      <expected><value xsi:type="xsd:string">Goodbye Bob</value></expected>
    </resultNode>
  </testCase>
  <testCase id="003">
    <inputNode name="Name"><value xsi:type="xsd:decimal">12</value></inputNode>
    <resultNode name="Greeting" type="decision" errorResult="true">
      <expected><value xsi:nil="true"/></expected>
    </resultNode>
  </testCase>
  <testCase id="004">
    <resultNode name="No Such Decision" type="decision">
      <expected><value xsi:type="xsd:string">x</value></expected>
    </resultNode>
  </testCase>
</testCases>
"""

NS = (
    'xmlns="http://www.omg.org/spec/DMN/20160719/testcase" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
)


def folder(root: Path, rel: str, model: str = MODEL) -> Path:
    path = root / rel
    path.mkdir(parents=True)
    name = path.name
    (path / f"{name}.dmn").write_text(model, encoding="utf-8")
    (path / f"{name}-test-01.xml").write_text(TESTS.format(model=f"{name}.dmn"), "utf-8")
    return path


@pytest.fixture
def tck_tree(tmp_path: Path) -> Path:
    folder(tmp_path, "compliance-level-2/0001-greet")
    folder(tmp_path, "compliance-level-3/0002-broken", model="<definitions><unclosed")
    folder(tmp_path, "non-compliant/0003-greet")
    (tmp_path / "compliance-level-3" / "0004-no-tests").mkdir()
    return tmp_path


def node(xml: str) -> etree._Element:
    return etree.fromstring(f"<inputNode {NS}>{xml}</inputNode>")


# ---------------------------------------------------------------- reading values


def test_simple_values_are_read_by_xsi_type() -> None:
    assert value_of(node('<value xsi:type="xsd:decimal">1.50</value>')) == Decimal("1.50")
    assert value_of(node('<value xsi:type="xsd:integer">7</value>')) == Decimal(7)
    assert value_of(node('<value xsi:type="xsd:double">2.5E1</value>')) == Decimal(25)
    assert value_of(node('<value xsi:type="xsd:boolean">false</value>')) is False
    assert value_of(node('<value xsi:type="xsd:string"> a b </value>')) == " a b "
    assert value_of(node('<value xsi:type="xsd:string"/>')) == ""
    assert value_of(node('<value xsi:type="xsd:date">2017-01-02</value>')) == dt.date(2017, 1, 2)
    assert value_of(node('<value xsi:type="xsd:time">10:20:30</value>')) == dt.time(10, 20, 30)
    assert value_of(
        node('<value xsi:type="xsd:dateTime">2017-01-02T10:20:30</value>')
    ) == dt.datetime(2017, 1, 2, 10, 20, 30)
    assert value_of(node('<value xsi:type="xsd:duration">P1Y2M</value>')) == (
        YearsMonthsDuration(14)
    )
    assert value_of(node('<value xsi:type="xsd:duration">PT1H</value>')) == (
        DaysTimeDuration(Decimal(3600))
    )
    assert value_of(node('<value xsi:nil="true"/>')) is None
    assert value_of(node("")) is None


def test_lists_and_contexts_nest() -> None:
    xml = """
      <component name="a"><value xsi:type="xsd:decimal">1</value></component>
      <component name="b">
        <list>
          <item><value xsi:type="xsd:string">x</value></item>
          <item><value xsi:nil="true"/></item>
          <item><component name="c"><value xsi:type="xsd:boolean">true</value></component></item>
        </list>
      </component>
      <component name="d" xsi:nil="true"/>
    """
    assert value_of(node(xml)) == {
        "a": Decimal(1),
        "b": ["x", None, {"c": True}],
        "d": None,
    }
    assert value_of(node("<list/>")) == []
    untyped = (
        '<value><component name="k"><value xsi:type="xsd:string">v</value></component></value>'
    )
    assert value_of(node(untyped)) == {"k": "v"}


def test_error_result_means_expected_null(tmp_path: Path) -> None:
    path = tmp_path / "t-test-01.xml"
    path.write_text(TESTS.format(model="m.dmn"), encoding="utf-8")
    parsed = read_test_file(path)
    assert parsed.model_name == "m.dmn"
    assert [c.id for c in parsed.cases] == ["001", "002", "003", "004"]
    assert parsed.cases[2].results[0].expected is None
    assert not parsed.cases[2].expects_value
    assert parsed.cases[0].expects_value
    assert parsed.cases[2].inputs == {"Name": Decimal(12)}


# ---------------------------------------------------------------- comparing


def test_numbers_match_to_1e_8() -> None:
    assert mismatch(Decimal("0.333333333333"), Decimal(1) / Decimal(3)) is None
    assert mismatch(Decimal("0.3333"), Decimal(1) / Decimal(3)) is not None
    assert mismatch(Decimal(1), True) is not None
    assert mismatch(Decimal(3), 3) is None  # plain ints are converted first


def test_null_matches_only_null() -> None:
    assert mismatch(None, None) is None
    assert mismatch(None, "") is not None
    assert mismatch("", None) is not None
    assert mismatch(False, None) is not None


def test_lists_and_contexts_compare_deeply() -> None:
    assert mismatch([Decimal(1), "a"], [Decimal("1.000000000001"), "a"]) is None
    problem = mismatch([Decimal(1), "a"], [Decimal(1), "b"])
    assert problem is not None and "[2]" in problem
    assert mismatch([Decimal(1)], [Decimal(1), Decimal(2)]) is not None
    assert mismatch({"a": Decimal(1)}, {"a": Decimal(1)}) is None
    assert mismatch({"a": Decimal(1)}, {"a": Decimal(1), "b": None}) is not None
    problem = mismatch({"a": {"b": "x"}}, {"a": {"b": "y"}})
    assert problem is not None and "a.b" in problem


def test_temporals_compare_by_feel_equality() -> None:
    utc = dt.UTC
    plus1 = dt.timezone(dt.timedelta(hours=1))
    assert mismatch(dt.date(2020, 1, 1), dt.date(2020, 1, 1)) is None
    assert mismatch(dt.date(2020, 1, 1), "2020-01-01") is not None
    assert (
        mismatch(dt.datetime(2020, 1, 1, 10, tzinfo=utc), dt.datetime(2020, 1, 1, 11, tzinfo=plus1))
        is None
    )
    assert mismatch(YearsMonthsDuration(12), YearsMonthsDuration(12)) is None
    assert mismatch(YearsMonthsDuration(0), DaysTimeDuration(Decimal(0))) is not None


# ---------------------------------------------------------------- running


def test_levels_come_from_the_path(tmp_path: Path) -> None:
    assert level_of(tmp_path / "compliance-level-3" / "x") == "compliance-level-3"
    assert level_of(tmp_path / "non-compliant" / "x") == "non-compliant"
    assert level_of(tmp_path / "x") == "unclassified"


def test_run_counts_passed_failed_and_errored(tck_tree: Path) -> None:
    report = run(tck_tree)
    by_case = {(c.folder, c.test_id): c for c in report.cases}
    greet = "compliance-level-2/0001-greet"
    assert by_case[greet, "001"].status == "passed"
    assert by_case[greet, "002"].status == "failed"
    assert "Goodbye Bob" in by_case[greet, "002"].message
    assert by_case[greet, "003"].status == "passed"
    assert not by_case[greet, "003"].expects_value
    assert by_case[greet, "004"].status == "errored"
    broken = "compliance-level-3/0002-broken"
    assert {by_case[broken, i].status for i in ("001", "002", "003", "004")} == {"errored"}
    assert "load" in by_case[broken, "001"].message

    levels = {s.level: s for s in report.levels()}
    assert list(levels) == ["compliance-level-2", "compliance-level-3", "non-compliant"]
    assert levels["compliance-level-2"] == LevelSummary("compliance-level-2", 2, 1, 1, 3, 1)
    assert levels["compliance-level-3"] == LevelSummary("compliance-level-3", 0, 0, 4, 3, 0)
    # The non-compliant folder is run, but not in the scored total.
    assert levels["non-compliant"].passed == 2
    total = report.total
    assert (total.cases, total.passed, total.failed, total.errored) == (8, 2, 1, 5)
    assert total.pass_rate == pytest.approx(2 / 8)
    assert total.value_pass_rate == pytest.approx(1 / 6)
    assert len(report.failures) == 1 + 1 + 4 + 2


def test_csv_is_in_the_tck_results_format(tck_tree: Path, tmp_path: Path) -> None:
    report = run(tck_tree / "compliance-level-2")
    out = tmp_path / "tck_results.csv"
    write_csv(report, out)
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == '"0001-greet","0001-greet-test-01.xml","001","SUCCESS",""'
    rows = list(csv.reader(text.splitlines()))
    assert [r[3] for r in rows] == ["SUCCESS", "FAILURE", "SUCCESS", "ERROR"]
    assert all(len(r) == 5 for r in rows)
    assert "Goodbye Bob" in rows[1][4]


def test_an_empty_report_has_zero_rates() -> None:
    report = TckReport(())
    assert report.total.pass_rate == 0.0
    assert report.total.value_pass_rate == 0.0
    assert report.levels() == []


def test_the_deadline_interrupts_a_runaway_case() -> None:
    from regista.dmn import tck

    with pytest.raises(tck._Timeout), tck._deadline(0.05):
        while True:
            pass
