"""The UI under attack from its own data: names, keys, variable values and error messages
holding markup are shown as text on every page, JSON data blocks cannot be closed early,
every answer carries the pages' protective headers, and bad addresses are HTML 4xx pages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from regista.api.sessions import COOKIE

from .opskit import admin, fail_jobs
from .uikit import UiServed, ui_app

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
SVG = '"><svg onload=alert(3)>'
CLOSER = "</script><script>alert(4)</script>"
IFRAME = "<iframe src=javascript:alert(5)>"
FAILURE = "<svg/onload=alert(6)>"

#: What must never reach a page unescaped.
RAW = ("<img src=x", "<script>alert", "<svg onload", "<svg/onload", "<iframe", "alert(4)</script>")


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


PROCESS = f"""<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="x">
  <process id="xss" name="{_attr(IMG)}" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="f0" sourceRef="s" targetRef="split"/>
    <parallelGateway id="split"/>
    <sequenceFlow id="f1" sourceRef="split" targetRef="review"/>
    <sequenceFlow id="f2" sourceRef="split" targetRef="charge"/>
    <userTask id="review" name="{_attr(SCRIPT)}"/>
    <serviceTask id="charge" name="{_attr(SVG)}">
      <extensionElements><zeebe:taskDefinition type="xss-charge"/></extensionElements>
    </serviceTask>
    <sequenceFlow id="f3" sourceRef="review" targetRef="join"/>
    <sequenceFlow id="f4" sourceRef="charge" targetRef="join"/>
    <parallelGateway id="join"/>
    <sequenceFlow id="f5" sourceRef="join" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"""

VARIABLES: dict[str, Any] = {"note": CLOSER, "<b>odd</b>": "'\"<i>", "nested": {"x": IFRAME}}


@pytest.fixture(scope="module")
def served() -> Iterator[UiServed]:
    with ui_app() as found:
        found.client.deploy(PROCESS)
        instance = found.client.start("xss", VARIABLES, business_key=IFRAME)
        with admin(found) as http:
            fail_jobs(http, "xss-charge", 0, FAILURE)
        (task,) = [t for t in found.client.tasks() if t.instance_id == instance]
        found.app.state.xss_task = task.id
        yield found


def _pages(served: UiServed) -> list[str]:
    task = served.app.state.xss_task
    return [
        "/ui/",
        "/ui/fragments/dashboard",
        "/ui/incidents",
        "/ui/fragments/incidents",
        "/ui/jobs",
        "/ui/fragments/jobs",
        "/ui/tasks?view=all",
        f"/ui/tasks/{task}",
        f"/ui/tasks/{task}/fragment",
        "/ui/modeler",
        "/ui/decisions",
        "/ui/no/such/<img src=x onerror=alert(1)>",
    ]


def test_markup_in_data_is_shown_as_text_on_every_page(served: UiServed) -> None:
    shown = ""
    with served.signed_in("root") as browser:
        for path in _pages(served):
            page = browser.get(path)
            assert page.status_code in (200, 404), (path, page.status_code, page.text[:300])
            for raw in RAW:
                assert raw not in page.text, f"{raw!r} reached {path} unescaped"
            shown += page.text
    # the payloads did reach the pages, as text: the checks above looked at them
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown  # the process name
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in shown  # the task name
    assert "&lt;svg/onload=alert(6)&gt;" in shown  # the failure message


def test_json_data_blocks_keep_the_values_and_cannot_be_closed(served: UiServed) -> None:
    with served.signed_in("root") as browser:
        page = browser.get(f"/ui/tasks/{served.app.state.xss_task}").text
    blocks = re.findall(r'<script type="application/json" id="task-data">(.*?)</script>', page)
    assert len(blocks) == 1, "the task's data block was cut short or is missing"
    data = json.loads(blocks[0])
    assert data["variables"] == VARIABLES


def test_variable_values_read_as_typed_not_as_escape_codes(served: UiServed) -> None:
    with served.signed_in("root") as browser:
        page = browser.get(f"/ui/tasks/{served.app.state.xss_task}").text
    # the table of variables shows "<" (escaped for HTML), never JSON's "\u003c"
    assert "&#34;&lt;/script&gt;&lt;script&gt;alert(4)&lt;/script&gt;&#34;" in page
    table = page.split('id="task-data"')[0]
    assert "\\u003c" not in table


def _protected(headers: Any, where: str) -> None:
    assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), where
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("cache-control") == "no-store", where
    assert headers.get("referrer-policy") == "same-origin", where


def test_every_answer_of_the_ui_carries_the_protective_headers(served: UiServed) -> None:
    with served.browser() as browser:
        _protected(browser.get("/ui/login").headers, "login page")
        _protected(browser.get("/ui/tasks").headers, "redirect to the login")
    with served.signed_in("root") as browser:
        for path in (
            "/ui/",
            "/ui/no/such/page",
            "/ui/tasks?view=everything",
            "/ui/modeler/element-templates/c8.json",
            "/ui/fragments/jobs",
        ):
            _protected(browser.get(path).headers, path)
        page = browser.get("/ui/")
        assert "form-action 'self'" in page.headers["content-security-policy"]
        policy = page.headers["content-security-policy"]
        assert "object-src 'none'" in policy
        scripts = next(part for part in policy.split(";") if "script-src" in part)
        assert scripts.split() == ["script-src", "'self'"]


def test_static_files_are_never_sniffed(served: UiServed) -> None:
    with served.browser() as browser:
        for path in ("/ui/static/ui.js", "/ui/static/ui.css"):
            answer = browser.get(path)
            assert answer.headers.get("x-content-type-options") == "nosniff", path
        assert browser.get("/ui/static/ui.js").headers["content-type"].startswith("text/javascript")


def test_a_missing_static_file_is_an_html_page_naming_it(served: UiServed) -> None:
    with served.browser() as browser:
        answer = browser.get("/ui/static/nothing-here.js")
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        assert "/ui/static/nothing-here.js" in answer.text
        assert answer.headers.get("x-content-type-options") == "nosniff"
        refused = browser.post("/ui/static/ui.js")
        assert refused.status_code in (403, 405)
        assert refused.headers["content-type"].startswith("text/html")


BAD_QUERIES = (
    "state=%00",
    "after=zzz&before=%ff%fe",
    "sort=x'<script>&order=sideways",
    "limit=-1&page=1e400",
    "view=" + "v" * 5000,
    "process=%0d%0aSet-Cookie:%20x=y",
    "unknown=1&unknown=2",
    "overdue_only=perhaps",
    "completed=<b>",
)


@pytest.mark.parametrize("user", ["root", "nobody"])
def test_bad_addresses_are_html_pages_never_5xx(served: UiServed, user: str) -> None:
    if user == "nobody":
        served.directory.create_user("nobody", "s3cret-nobody", roles=[])
    paths = [p for p in _pages(served) if "<img" not in p] + [
        "/ui/tasks/not-a-key",
        "/ui/tasks/99999999999999999999999999999",
        "/ui/tasks/-1/fragment",
        "/ui/decisions/<b>",
        "/ui/modeler/edit",
        "/ui/modeler/element-templates/%3Cb%3E.json",
    ]
    with served.browser() as browser:
        signed = browser.post(
            "/ui/login", data={"username": user, "password": f"s3cret-{user}", "next": "/ui/"}
        )
        assert signed.status_code == 303 and COOKIE in browser.cookies
        for path in paths:
            for query in ("", *BAD_QUERIES):
                address = path + ("&" if "?" in path else "?") + query if query else path
                answer = browser.get(address)
                where = f"{user} {address[:80]}"
                assert answer.status_code < 500, (where, answer.text[:300])
                kind = answer.headers.get("content-type", "")
                if answer.status_code >= 400:
                    assert kind.startswith("text/html"), (where, kind)
                    assert "Traceback" not in answer.text, where
                if user == "nobody" and answer.status_code == 403:
                    assert "ask an administrator" in answer.text, where
