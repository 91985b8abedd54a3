"""The cockpit's job list: filters (type, state, retries left, process, key), errors shown,
setting retries through the API as the page's script does, and who may do it."""

from __future__ import annotations

import re

import pytest

from regista.bpmn import ProcessBuilder

from .opskit import admin, charging, fail_jobs
from .uikit import csrf_of, ui_app


def _rows(page: str) -> list[str]:
    """The job keys of the rows of a list page."""
    return re.findall(r'<tr data-key="(\d+)" data-testid="job-row">', page)


def _shipping() -> ProcessBuilder:
    return ProcessBuilder("shipping").start().service_task("ship", type="ship").end()


def test_the_list_filters_jobs_and_shows_their_errors() -> None:
    with ui_app() as served, admin(served) as http:
        served.client.deploy(charging(), _shipping())
        for _ in range(2):
            served.client.start("charging")
        served.client.start("shipping")
        served.client.start("shipping")
        dead = sorted(j["jobKey"] for j in fail_jobs(http, "charge", 0, "card service down"))
        retrying = sorted(j["jobKey"] for j in fail_jobs(http, "ship", 2, "carrier busy"))
        with served.signed_in("olga") as browser:
            page = browser.get("/ui/jobs")
            assert page.status_code == 200, page.text
            assert len(_rows(page.text)) == 4
            assert "4 jobs, newest first" in page.text
            assert f'data-testid="error-{dead[0]}"' in page.text
            assert "<pre>card service down</pre>" in page.text
            assert 'id="set-retries"' in page.text and "/static/ops.js" in page.text

            def keys(query: str) -> list[str]:
                found = browser.get(f"/ui/jobs?{query}")
                assert found.status_code == 200, found.text
                return _rows(found.text)

            assert sorted(keys("state=FAILED")) == dead
            assert sorted(keys("type=ship")) == retrying
            assert sorted(keys("process=charging")) == dead
            assert sorted(keys("retries=none")) == dead
            assert sorted(keys("retries=left")) == retrying
            assert sorted(keys("type=ship&retries=left&state=CREATED")) == retrying
            assert keys("type=charge&retries=left") == []
            assert keys(f"job={retrying[0]}") == [retrying[0]]
            assert "(failed, will retry)" in browser.get(f"/ui/jobs?job={retrying[0]}").text
            fragment = browser.get("/ui/fragments/jobs?state=FAILED")
            assert "<html" not in fragment.text and sorted(_rows(fragment.text)) == dead
            bad = browser.get("/ui/jobs?state=BURNING")
            assert bad.status_code == 400 and "Traceback" not in bad.text
            wrong_key = browser.get("/ui/jobs?job=not-a-key")
            assert wrong_key.status_code == 200 and _rows(wrong_key.text) == []


def test_setting_retries_of_many_jobs_through_the_api() -> None:
    with ui_app() as served, admin(served) as http:
        served.client.deploy(charging())
        for _ in range(2):
            served.client.start("charging")
        failed = fail_jobs(http, "charge", 0, "down")
        with served.signed_in("olga") as browser:
            page = browser.get("/ui/jobs?state=FAILED")
            assert sorted(_rows(page.text)) == sorted(j["jobKey"] for j in failed)
            for job in failed:
                assert f'data-testid="pick-{job["jobKey"]}"' in page.text
            token = {"X-CSRF-Token": csrf_of(page.text)}
            for job in failed:  # what "Set retries of selected" does (static/ops.js)
                answer = browser.patch(
                    f"/v2/jobs/{job['jobKey']}", json={"changeset": {"retries": 4}}, headers=token
                )
                assert answer.status_code == 204, answer.text
            after = browser.get("/ui/jobs?state=FAILED")
            cells = re.findall(r'<td class="num">(\d+)</td>', after.text)
            assert cells == ["4", "4"]
            missing = browser.patch(
                "/v2/jobs/123456", json={"changeset": {"retries": 1}}, headers=token
            )
            assert missing.status_code == 404


@pytest.mark.parametrize("username", ["ursula", "mona"])
def test_only_operators_see_the_list_and_the_api_refuses_the_others(username: str) -> None:
    with ui_app() as served, admin(served) as http:
        served.client.deploy(charging())
        served.client.start("charging")
        (job,) = fail_jobs(http, "charge", 0, "down")
        with served.signed_in(username) as browser:
            page = browser.get("/ui/jobs")
            assert page.status_code == 403 and "set-retries" not in page.text
            token = {"X-CSRF-Token": csrf_of(page.text)}
            refused = browser.patch(
                f"/v2/jobs/{job['jobKey']}", json={"changeset": {"retries": 3}}, headers=token
            )
            assert refused.status_code == 403
