"""The cockpit's incident list: filters, cursor pages, links to instances, the fragment the
page reloads, retrying through the API as the page's script does, and who may do it."""

from __future__ import annotations

import re

import pytest

from .opskit import admin, charging, fail_jobs, gateway
from .uikit import csrf_of, ui_app


def _rows(page: str) -> list[str]:
    """The incident keys of the rows of a list page."""
    return re.findall(r'<tr data-key="(\d+)" data-job="\d*" data-testid="incident-row">', page)


def test_the_list_shows_open_incidents_with_their_errors_and_filters() -> None:
    with ui_app() as served, admin(served) as http:
        served.client.deploy(charging(), gateway())
        charged = [served.client.start("charging") for _ in range(2)]
        stuck = served.client.start("gateway", {"x": 0})
        fail_jobs(http, "charge", 0, "card service down")
        with served.signed_in("olga") as browser:
            page = browser.get("/ui/incidents")
            assert page.status_code == 200, page.text
            assert len(_rows(page.text)) == 3
            assert "3 incidents open, newest first" in page.text
            for key in [*charged, stuck]:
                assert f'href="/ui/instances/{key}"' in page.text
            assert page.text.count("card service down") == 2
            assert "no condition is true at the exclusive gateway choose" in page.text
            assert 'id="retry-selected"' in page.text and "/static/ops.js" in page.text
            assert '<option value="charging">charging</option>' in page.text

            def keys(query: str) -> int:
                found = browser.get(f"/ui/incidents?{query}")
                assert found.status_code == 200, found.text
                return len(_rows(found.text))

            assert keys("error_type=CONDITION_ERROR") == 1
            assert keys("error_type=JOB_NO_RETRIES&process=charging") == 2
            assert keys("process=gateway&element=choose") == 1
            assert keys("element=charge&process=gateway") == 0
            assert keys("state=RESOLVED") == 0
            assert keys("state=any") == 3
            assert keys("created_from=2000-01-01T00:00&created_to=2999-12-31T23:59") == 3
            assert keys("created_to=2000-01-01T00:00") == 0

            fragment = browser.get("/ui/fragments/incidents?error_type=CONDITION_ERROR")
            assert fragment.status_code == 200
            assert "<html" not in fragment.text and len(_rows(fragment.text)) == 1
            live = re.search(r'data-refresh="([^"]+)" data-every="5"', page.text)
            assert live is not None and live.group(1) == "/ui/fragments/incidents?state=ACTIVE"


def test_bad_dates_are_shown_beside_their_fields() -> None:
    with ui_app() as served, served.signed_in("olga") as browser:
        page = browser.get("/ui/incidents?created_from=yesterday")
        assert page.status_code == 200  # the page, with its message beside the field
        assert re.search(
            r'id="created_from"[^>]*aria-invalid="true" aria-describedby="e-created_from"',
            page.text,
        )
        assert 'id="e-created_from">enter a date and time like' in page.text
        reversed_ = browser.get(
            "/ui/incidents?created_from=2026-02-01T00:00&created_to=2026-01-01T00:00"
        )
        assert reversed_.status_code == 200
        assert 'id="e-created_to">must not be before' in reversed_.text
        bad_state = browser.get("/ui/incidents?state=ON_FIRE")
        assert bad_state.status_code == 400 and "Traceback" not in bad_state.text


def test_pages_follow_the_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("regista.ui.operations.PAGE", 2)
    with ui_app() as served, admin(served) as http:
        served.client.deploy(charging())
        for _ in range(5):
            served.client.start("charging")
        fail_jobs(http, "charge", 0, "down")
        with served.signed_in("olga") as browser:
            seen: list[str] = []
            page = browser.get("/ui/incidents")
            while True:
                seen.extend(_rows(page.text))
                older = re.search(r'<a href="\?([^"]+)" rel="next"', page.text)
                if older is None:
                    break
                page = browser.get("/ui/incidents?" + older.group(1).replace("&amp;", "&"))
                assert page.status_code == 200, page.text
            assert len(seen) == 5 and len(set(seen)) == 5
            assert seen == sorted(seen, reverse=True)  # newest first
            newer = re.search(r'<a href="\?([^"]+)" rel="prev"', page.text)
            assert newer is not None
            back = browser.get("/ui/incidents?" + newer.group(1).replace("&amp;", "&"))
            assert _rows(back.text) == seen[2:4]


def test_retrying_gives_the_job_retries_then_resolves_the_incident() -> None:
    with ui_app() as served, admin(served) as http:
        served.client.deploy(charging(), gateway())
        served.client.start("charging")
        stuck = served.client.start("gateway", {"x": 0})
        (job,) = fail_jobs(http, "charge", 0, "card service down")
        with served.signed_in("olga") as browser:
            page = browser.get("/ui/incidents?error_type=JOB_NO_RETRIES")
            (incident,) = _rows(page.text)
            assert f'data-key="{incident}" data-job="{job["jobKey"]}"' in page.text
            token = {"X-CSRF-Token": csrf_of(page.text)}
            # what "Retry selected" does for a job's incident (static/ops.js)
            changed = browser.patch(
                f"/v2/jobs/{job['jobKey']}", json={"changeset": {"retries": 2}}, headers=token
            )
            assert changed.status_code == 204, changed.text
            resolved = browser.post(f"/v2/incidents/{incident}/resolution", headers=token)
            assert resolved.status_code == 204, resolved.text
            assert _rows(browser.get("/ui/incidents?error_type=JOB_NO_RETRIES").text) == []
            again = browser.get("/ui/incidents?state=RESOLVED")
            assert _rows(again.text) == [incident]
            assert "pick-" + incident not in again.text  # a resolved one cannot be picked
            # the failed job makes way for a new one, with the retries the operator gave
            instance = job["processInstanceKey"]
            jobs = http.post("/v2/jobs/search", json={"filter": {"processInstanceKey": instance}})
            states = {i["jobKey"]: (i["state"], i["retries"]) for i in jobs.json()["items"]}
            assert states.pop(job["jobKey"])[0] == "CANCELED"
            assert list(states.values()) == [("CREATED", 2)]
            # without the CSRF token, the session cookie is not enough
            (other,) = [k for k in _rows(browser.get("/ui/incidents").text)]
            refused = browser.post(f"/v2/incidents/{other}/resolution")
            assert refused.status_code == 403
            assert served.client.instance(stuck).status == "incident"


@pytest.mark.parametrize("username", ["ursula", "mona"])
def test_only_operators_see_the_list_and_the_api_refuses_the_others(username: str) -> None:
    with ui_app() as served, admin(served) as http:
        served.client.deploy(charging())
        served.client.start("charging")
        fail_jobs(http, "charge", 0, "down")
        (incident,) = http.post("/v2/incidents/search", json={}).json()["items"]
        with served.signed_in(username) as browser:
            page = browser.get("/ui/incidents")
            assert page.status_code == 403
            assert "retry-selected" not in page.text and "down" not in page.text
            assert browser.get("/ui/fragments/incidents").status_code == 403
            token = {"X-CSRF-Token": csrf_of(page.text)}
            key = incident["incidentKey"]
            refused = browser.post(f"/v2/incidents/{key}/resolution", headers=token)
            assert refused.status_code == 403
