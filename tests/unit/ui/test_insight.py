"""The cockpit's Insight page of a process, over a SQLite database that process
intelligence reads: the heatmaps' data and legends, the process map, variants, duration and
throughput charts with their text, SLA compliance; the form's fields checked (a 400 page
naming the field), an empty history shown as "no data yet", markup in element names escaped,
and only operators let in."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from typing import Any

import httpx

from regista.bpmn import ProcessBuilder
from regista.runtime import monitoring
from regista.runtime.clock import FakeClock

from .uikit import UiServed, ui_app

#: An element name a careless page would run as markup.
MARKUP = '<b>Review</b> & "check"'


def _data(page: str, name: str = "page-data") -> dict[str, Any]:
    found = re.search(rf'<script type="application/json" id="{name}">(.*?)</script>', page, re.S)
    assert found is not None, f"the page carries no {name} for its script"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def _open(browser: httpx.Client, path: str, **params: str) -> tuple[str, dict[str, Any]]:
    """The page and its analyses as the browser gets them: the page, then the fragment it
    names; their HTML one after the other, their data merged."""
    page = browser.get(path, params=params)
    assert page.status_code == 200, page.text
    found = re.search(r'data-fragment="([^"]+)"', page.text)
    assert found is not None, "the page names no fragment"
    fragment = browser.get(unescape(found.group(1)))
    assert fragment.status_code == 200, fragment.text
    return page.text + fragment.text, _data(page.text) | _data(fragment.text, "insight-data")


@contextmanager
def _served(tmp_path: Path) -> Iterator[tuple[UiServed, FakeClock]]:
    clock = FakeClock("2030-01-01T00:00:00Z")
    with ui_app(database_url=f"sqlite:///{tmp_path / 'regista.db'}", clock=clock) as served:
        yield served, clock


def _claims(served: UiServed, clock: FakeClock) -> None:
    """Four claims of `claim` (review, then approve) against SLA targets of an hour for
    the review and three for the instance: one reviewed in time, one late, one still in
    review past its target, one in review with 50 of its 60 minutes used."""
    client = served.client
    client.deploy(
        ProcessBuilder("claim", name="Claims")
        .start("s")
        .user_task("review", name=MARKUP)
        .user_task("approve", name="Approve")
        .end("e")
    )
    (definition,) = client.definitions("claim")
    monitoring.set_targets(
        client.shell, definition.id, instance="PT3H", elements={"review": "PT1H"}
    )
    first, second, third = (client.start("claim") for _ in range(3))

    def complete(instance: str, element: str) -> None:
        (task,) = [t for t in client.tasks(instance_id=instance) if t.element_id == element]
        assert client.complete_task(task.id)

    clock.advance("PT30M")
    complete(first, "review")
    clock.advance("PT10M")
    complete(first, "approve")
    clock.advance("PT40M")  # 1h20m
    fourth = client.start("claim")
    clock.advance("PT40M")  # 2h
    complete(second, "review")
    clock.advance("PT10M")  # 2h10m: the fourth's review has used 50 minutes
    complete(second, "approve")
    assert third and fourth


def test_the_page_shows_every_analysis_of_the_history(tmp_path: Path) -> None:
    with _served(tmp_path) as (served, clock):
        _claims(served, clock)
        with served.signed_in("olga") as browser:
            text, data = _open(browser, "/ui/insight/claim")
            assert 'href="/ui/insight"' in text  # in the navigation
            assert data["xml"].lstrip().startswith("<")
            heat = {h["name"]: h for h in data["heat"]}
            assert set(heat) == {"frequency", "median", "p90"}
            assert heat["frequency"]["elements"]["review"]["text"] == "4"
            assert heat["frequency"]["elements"]["review"]["level"] == 4  # the most frequent
            assert heat["frequency"]["elements"]["approve"]["level"] == 0
            # the legend's numbers are text on the page, for every heatmap
            legend = re.search(r'data-testid="heat-legend-frequency"[^>]*>(.*?)</ul>', text, re.S)
            assert legend is not None and "2 – " in legend.group(1)
            assert 'data-testid="heat-legend-median"' in text
            # reviews ended after 30 minutes and 2 hours: a median of 30 minutes
            assert heat["median"]["elements"]["review"]["text"] == "30.0m"
            # variants: the paths, most frequent first, each one's activities for the diagram
            assert data["variants"][0] == ["s", "review"]
            assert ["s", "review", "approve", "e"] in data["variants"]
            variants = re.search(r'data-testid="variants"(.*?)</table>', text, re.S)
            assert variants is not None and "50.0 %" in variants.group(1)
            # the process map, the charts, each with its accessible name
            for name in ("process-map", "durations-chart", "throughput-chart"):
                chart = re.search(
                    rf'data-testid="{name}">\s*<svg[^>]*role="img" aria-label="([^"]+)"', text
                )
                assert chart is not None, name
            assert "Process map of Claims" in text
            # two claims ended, after 40 minutes and 2 hours 10 minutes
            summary = re.search(r'data-testid="duration-summary">(.*?)</dl>', text, re.S)
            assert summary is not None
            figures = re.findall(r"<dd>(.*?)</dd>", summary.group(1))
            assert figures == ["2", "40.0m", "2.2h", "2.2h"], figures
            # SLA: the instance's and the review's figures
            sla = re.search(r'data-testid="sla"(.*?)</table>', text, re.S)
            assert sla is not None
            cells = [
                [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
                for row in re.findall(r"<tr>(.*?)</tr>", sla.group(1), re.S)[1:]
            ]
            # target, met, breached, at risk, on track, compliance
            assert cells[0] == ["3.0h", "2", "0", "0", "2", "100.0 %"]
            assert cells[1] == ["1.0h", "1", "2", "1", "0", "33.3 %"]


def test_the_sla_analysis_answers_over_the_api(tmp_path: Path) -> None:
    with _served(tmp_path) as (served, clock):
        _claims(served, clock)
        with served.signed_in("olga") as browser:
            answer = browser.get("/v2/insight/sla", params={"definition": "claim", "share": 0.9})
            assert answer.status_code == 200, answer.text
            rows = {r["id"]: r for r in answer.json()["rows"]}
            # at 90 %, the fourth review (50 of 60 minutes) is on track, not at risk
            assert rows["review"]["at_risk"] == 0 and rows["review"]["on_track"] == 1
            assert rows["review"]["name"] == MARKUP and rows["claim"]["level"] == "instance"
            refused = browser.get("/v2/insight/sla", params={"share": 0})
            assert refused.status_code == 400
            assert [p["name"] for p in refused.json()["invalidParams"]] == ["share"]


def test_markup_in_names_is_escaped_everywhere(tmp_path: Path) -> None:
    with _served(tmp_path) as (served, clock):
        _claims(served, clock)
        with served.signed_in("olga") as browser:
            html, _ = _open(browser, "/ui/insight/claim")
            html_outside_data = re.sub(
                r'<script type="application/json".*?</script>', "", html, flags=re.S
            )
            assert "<b>Review</b>" not in html
            assert "&lt;b&gt;Review&lt;/b&gt; &amp; &#34;check&#34;" in html  # the tables
            # the SVG map escapes its labels (the name is shortened in the box, whole in
            # its title)
            svg = re.search(r'data-testid="process-map">(.*?)</svg>', html, re.S)
            assert svg is not None and '&lt;b&gt;Review&lt;/b&gt; &amp; "check"' in svg.group(1)
            assert "<b>" not in html_outside_data


def test_the_version_and_window_are_sent_to_the_api(tmp_path: Path) -> None:
    with _served(tmp_path) as (served, clock):
        _claims(served, clock)
        served.client.deploy(ProcessBuilder("claim", name="Claims").start("s").end("e"))
        with served.signed_in("olga") as browser:
            second, _ = _open(browser, "/ui/insight/claim", version="2")
            assert 'data-testid="no-data"' in second
            first, data = _open(browser, "/ui/insight/claim", version="1")
            assert 'data-testid="no-data"' not in first
            assert data["heat"][0]["elements"]["review"]["text"] == "4"
            # only the fourth claim started after 01:00
            late, data = _open(
                browser, "/ui/insight/claim", since="2030-01-01T01:00", bucket="hour"
            )
            assert data["heat"][0]["elements"]["review"]["text"] == "1"
            assert "Cases per hour" in late


def test_bad_fields_answer_400_naming_the_field(tmp_path: Path) -> None:
    with _served(tmp_path) as (served, clock):
        _claims(served, clock)
        with served.signed_in("olga") as browser:
            for params, field, says in (
                ({"version": "7"}, "version", "choose one of the versions (1)"),
                ({"version": "one"}, "version", "choose one of the versions"),
                ({"since": "yesterday"}, "since", "enter a date and time"),
                ({"since": "2030-01-02T00:00", "until": "2030-01-01T00:00"}, "until", "after"),
                ({"since": "0001-01-01T00:00:00+01:00"}, "since", "out of range in UTC"),
            ):
                page = browser.get("/ui/insight/claim", params=params)
                assert page.status_code == 400, params
                error = re.search(rf'<p class="field-error" id="e-{field}">(.*?)</p>', page.text)
                assert error is not None and says in error.group(1), page.text
                assert f'id="{field}" name="{field}"' in page.text
                assert 'aria-invalid="true"' in page.text
            bucket = browser.get("/ui/insight/claim", params={"bucket": "month"})
            assert bucket.status_code == 400 and "bucket" in bucket.text
            missing = browser.get("/ui/insight/nope")
            assert missing.status_code == 404 and "no process &#39;nope&#39;" in missing.text


def test_an_empty_history_is_no_data_yet(tmp_path: Path) -> None:
    with _served(tmp_path) as (served, _):
        served.client.deploy(ProcessBuilder("quiet", name="Quiet").start("s").end("e"))
        with served.signed_in("olga") as browser:
            text, data = _open(browser, "/ui/insight/quiet")
            assert 'data-testid="no-data"' in text and "No data yet" in text
            assert data["heat"][0]["elements"] == {}
            listed = browser.get("/ui/insight")
            assert listed.status_code == 200 and 'href="/ui/insight/quiet"' in listed.text


def test_only_operators_see_the_page_and_its_links(tmp_path: Path) -> None:
    with _served(tmp_path) as (served, clock):
        _claims(served, clock)
        (definition,) = served.client.definitions("claim")
        with served.signed_in("olga") as browser:
            process = browser.get(f"/ui/definitions/{definition.id}")
            assert 'href="/ui/insight/claim?version=1"' in process.text
        for name in ("mona", "ursula"):
            with served.signed_in(name) as browser:
                page = browser.get("/ui/insight/claim")
                assert page.status_code == 403, name
                assert 'href="/ui/insight"' not in page.text
        with served.browser() as anonymous:
            page = anonymous.get("/ui/insight/claim")
            assert page.status_code == 303 and "/ui/login" in page.headers["location"]


def test_without_a_database_for_insight_the_page_says_so() -> None:
    with ui_app() as served:
        served.client.deploy(ProcessBuilder("quiet").start("s").end("e"))
        with served.signed_in("olga") as browser:
            page = browser.get("/ui/insight/quiet")
            assert page.status_code == 200  # the page; its analyses say why there are none
            found = re.search(r'data-fragment="([^"]+)"', page.text)
            assert found is not None
            fragment = browser.get(unescape(found.group(1)))
            assert fragment.status_code == 409 and "without a database" in fragment.text
