"""The SVG pictures of the analyses: the throughput chart and the process map are
well-formed images with a title, every name escaped, the map's layers following the
arcs from the start (a loop drawn backwards, not pushing its nodes right)."""

from __future__ import annotations

from typing import Any

from lxml import etree

from regista.insight import Report
from regista.insight.charts import histogram_svg, throughput_svg
from regista.insight.maps import process_map_svg

SVG = "{http://www.w3.org/2000/svg}"
NAME = '<script>alert(1)</script> & "x"'


def _child(element: etree._Element, tag: str) -> etree._Element:
    found = element.find(f"{SVG}{tag}")
    assert found is not None, f"no {tag} in {element.tag}"
    return found


def _arc(source: str | None, target: str | None, count: int, gap: float | None = 1.0) -> Any:
    names = {"a": NAME, "b": "Check", "c": "Fix"}
    return {
        "source": source,
        "target": target,
        "source_name": names.get(source or ""),
        "target_name": names.get(target or ""),
        "count": count,
        "mean_gap": gap,
    }


def test_the_process_map_lays_out_the_arcs_in_layers() -> None:
    rows = [
        _arc(None, "a", 5, None),
        _arc("a", "b", 5),
        _arc("b", "c", 2, 90.0),
        _arc("c", "b", 2),  # rework: back to the check
        _arc("b", None, 5, None),
    ]
    text = process_map_svg(rows, title=f"Map of {NAME}")
    svg = etree.fromstring(text.encode())  # well-formed: every name was escaped
    assert svg.get("role") == "img" and svg.get("aria-label") == f"Map of {NAME}"
    assert "<script>" not in text
    boxes = {
        g.get("data-element"): float(_child(g, "rect").get("x", "0"))
        for g in svg.iter(f"{SVG}g")
        if g.get("class") == "map-node"
    }
    # a, then b, then c: the loop c -> b does not move b after c
    assert boxes["a"] < boxes["b"] < boxes["c"]
    arcs = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "map-arc"]
    titles = sorted(str(_child(g, "title").text) for g in arcs)
    assert "Check → Fix: 2 times, mean 1.5m between" in titles
    assert f"start → {NAME}: 5 times" in titles
    labels = [str(_child(g, "text").text) for g in arcs]
    assert "2 · 1.5m" in labels
    widths = {
        str(_child(g, "title").text).split(":")[0]: float(
            _child(g, "path").get("stroke-width", "0")
        )
        for g in arcs
    }
    assert widths[f"{NAME} → Check"] > widths["Check → Fix"]  # by frequency


def test_an_empty_map_and_charts_are_still_images() -> None:
    assert etree.fromstring(process_map_svg([]).encode()).tag == f"{SVG}svg"
    empty = Report("throughput", "Throughput per day (UTC)", ("bucket", "started"), [])
    assert etree.fromstring(throughput_svg(empty).encode()).tag == f"{SVG}svg"
    none = Report("durations", "Durations", ("from", "to", "count"), [])
    assert etree.fromstring(histogram_svg(none, title=NAME).encode()).get("aria-label") == NAME


def test_the_throughput_chart_has_a_bar_per_bucket_and_kind() -> None:
    rows = [
        {"bucket": "2030-01-01T00:00:00Z", "started": 4, "ended": 2},
        {"bucket": "2030-01-02T00:00:00Z", "started": 1, "ended": 3},
    ]
    report = Report("throughput", "Throughput per day (UTC)", ("bucket", "started", "ended"), rows)
    svg = etree.fromstring(throughput_svg(report).encode())
    bars = [r for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    said = {str(_child(r, "title").text): float(r.get("height", "0")) for r in bars}
    assert said["2030-01-01T00:00:00Z: 4 started"] == 4 * said["2030-01-02T00:00:00Z: 1 started"]
    assert len(bars) == 4
