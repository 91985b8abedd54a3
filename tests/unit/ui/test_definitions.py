"""The cockpit's processes pages: the list with versions and counts, a version's page with
its diagram data, element counts, version switcher, start form and XML link; who sees the
start controls, and starting an instance through the API as the page does."""

from __future__ import annotations

import json
import re
from typing import Any

from apikit import bpmn, files
from regista.bpmn import ProcessBuilder

from .uikit import UiServed, csrf_of, ui_app


def _page_data(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', page, re.S)
    assert found is not None, "the page carries no data for its script"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def _deploy(served: UiServed) -> tuple[str, str]:
    """Two versions of `review`; instances on both. The keys of versions 1 and 2."""
    served.client.deploy(
        ProcessBuilder("review", name="Review").start("s").user_task("check").end("e")
    )
    first = served.client.start("review")
    served.client.start("review")
    served.client.cancel(first, "not needed")
    served.client.deploy(
        ProcessBuilder("review", name="Review")
        .start("s")
        .user_task("check")
        .user_task("sign")
        .end("e")
    )
    served.client.start("review", business_key="R-9")
    with served.client.store.transaction(write=False) as tx:
        keys = [d.id for d in sorted(tx.list_definitions("review"), key=lambda d: d.version)]
    return keys[0], keys[1]


def test_the_list_shows_processes_with_versions_and_counts() -> None:
    with ui_app() as served:
        first, second = _deploy(served)
        with served.signed_in("olga") as browser:
            page = browser.get("/ui/definitions")
            assert page.status_code == 200, page.text
            row = re.search(r">Review</a></th>(.*?)</tr>", page.text, re.S)
            assert row is not None
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
            assert (
                f'/ui/definitions/{first}"' in cells[1] and f'/ui/definitions/{second}"' in cells[1]
            )
            running = [re.sub(r"<[^>]+>", "", c).strip() for c in cells[2:]]
            assert running == ["2", "0", "0", "1"]  # running, incidents, completed, terminated
            assert f'href="/ui/definitions/{second}">Review</a>' in page.text  # the latest


def test_a_version_page_has_the_diagram_counts_and_versions() -> None:
    with ui_app() as served:
        first, second = _deploy(served)
        with served.signed_in("olga") as browser:
            page = browser.get(f"/ui/definitions/{first}")
            assert page.status_code == 200, page.text
            data = _page_data(page.text)
            assert data["key"] == first and data["xml"].lstrip().startswith("<")
            # the browser reads the counts of every instance, finished ones included
            assert data["counts"] == f"/v2/process-definitions/{first}/statistics/element-instances"
            token = csrf_of(page.text)

            def counts(body: dict[str, Any], url: str = data["counts"]) -> dict[str, Any]:
                answer = browser.post(url, json=body, headers={"X-CSRF-Token": token})
                assert answer.status_code == 200, answer.text
                return {i["elementId"]: i for i in answer.json()["items"]}

            assert data["countsBody"] == {}
            assert counts(data["countsBody"])["check"] == {
                "elementId": "check",
                "active": 1,
                "canceled": 1,
                "incidents": 0,
                "completed": 0,
            }
            assert counts({"filter": {"state": "ACTIVE"}})["check"]["canceled"] == 0
            assert "every instance of this version, finished ones included" in page.text
            # the former opt-in is gone: an old link shows the same page
            old = _page_data(browser.get(f"/ui/definitions/{first}?finished=true").text)
            assert old["countsBody"] == {}
            assert data["form"] is None
            assert 'id="version-switch"' in page.text
            assert f'value="/ui/definitions/{second}"' in page.text
            assert f'href="/v2/process-definitions/{first}/xml"' in page.text
            assert 'id="start-variables"' in page.text and 'for="start-variables"' in page.text
            xml = browser.get(f"/v2/process-definitions/{first}/xml")
            assert xml.status_code == 200 and "user" in xml.text.lower()
            assert "bjs-powered-by" not in page.text  # the watermark is the library's own
            newer = _page_data(browser.get(f"/ui/definitions/{second}").text)
            assert counts(newer["countsBody"], newer["counts"])["check"]["active"] == 1


def test_a_missing_or_odd_key_is_a_page_saying_so() -> None:
    with ui_app() as served, served.signed_in("olga") as browser:
        missing = browser.get("/ui/definitions/12345")
        assert missing.status_code == 404 and "no process definition" in missing.text
        odd = browser.get("/ui/definitions/..%2F..%2Fusers")
        assert odd.status_code == 404 and "Traceback" not in odd.text


def test_only_operators_see_the_start_form_and_the_api_refuses_others() -> None:
    with ui_app() as served:
        first, _ = _deploy(served)
        with served.signed_in("mona") as browser:  # a modeler reads, does not start
            page = browser.get(f"/ui/definitions/{first}")
            assert page.status_code == 200
            assert 'id="start-form"' not in page.text
            refused = browser.post(
                "/v2/process-instances",
                json={"processDefinitionKey": first},
                headers={"X-CSRF-Token": csrf_of(page.text)},
            )
            assert refused.status_code == 403
        with served.signed_in("ursula") as browser:
            assert browser.get(f"/ui/definitions/{first}").status_code == 403


def test_starting_from_the_page_goes_through_the_api() -> None:
    with ui_app() as served:
        first, _ = _deploy(served)
        with served.signed_in("olga") as browser:
            page = browser.get(f"/ui/definitions/{first}")
            token = csrf_of(page.text)
            started = browser.post(
                "/v2/process-instances",
                json={"processDefinitionKey": first, "variables": {"a": 1}, "businessKey": "B-1"},
                headers={"X-CSRF-Token": token},
            )
            assert started.status_code == 200, started.text
            key = started.json()["processInstanceKey"]
            shown = browser.get(f"/ui/instances/{key}")
            assert shown.status_code == 200 and "B-1" in shown.text
            bad = browser.post(
                "/v2/process-instances",
                json={"processDefinitionKey": first, "variables": [1]},
                headers={"X-CSRF-Token": token},
            )
            assert bad.status_code == 400  # the page shows the message at the field


def test_a_start_form_is_offered_when_the_process_has_one() -> None:
    form = {
        "id": "start-order",
        "type": "default",
        "components": [{"type": "textfield", "key": "orderId", "label": "Order"}],
    }
    with ui_app() as served, served.signed_in("root") as browser:
        token = csrf_of(browser.get("/ui/").text)
        starts = (
            ProcessBuilder("ordering").start("s", form_id="start-order").user_task("t").end("e")
        )
        deployed = browser.post(
            "/v2/deployments",
            files=files(("ordering.bpmn", bpmn(starts)), ("start.form", json.dumps(form).encode())),
            headers={"X-CSRF-Token": token},
        )
        assert deployed.status_code == 200, deployed.text
        with served.client.store.transaction(write=False) as tx:
            key = tx.list_definitions("ordering")[0].id
        page = browser.get(f"/ui/definitions/{key}")
        assert page.status_code == 200, page.text
        assert _page_data(page.text)["form"]["components"][0]["key"] == "orderId"
        assert 'id="start-form-fields"' in page.text and "form-viewer.umd.js" in page.text
