"""The modeler's pages: who may open them, which bpmn.io editor a model opens in, the
connector templates it is given, and validating, deploying and starting through the API
with the page's session cookie and CSRF token."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from regista.bpmn import ProcessBuilder, to_xml
from regista.ui.element_templates import element_templates
from regista.ui.modeler import bpmn_flavour, kind_of

from .uikit import UiServed, csrf_of, ui_app

DMN = (Path(__file__).parents[2] / "acceptance/scenarios/models/discount.dmn").read_bytes()
FORM = b'{"id": "review-form", "type": "default", "components": []}'

CAMUNDA7 = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="x">
  <bpmn:process id="legacy" name="Legacy" isExecutable="true" camunda:historyTimeToLive="P1D">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""

BROKEN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="broken" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="nowhere" />
  </bpmn:process>
</bpmn:definitions>
"""


def _files(*named: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("resources", (name, content, "application/octet-stream")) for name, content in named]


def _config(page: str) -> dict[str, Any]:
    """The editor's configuration the page hands to modeler.js."""
    found = re.search(
        r'<script type="application/json" id="modeler-config">(.*?)</script>', page, re.S
    )
    assert found is not None, "the page has no modeler configuration"
    config: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return config


def _deploy(served: UiServed, *named: tuple[str, bytes]) -> dict[str, str]:
    """Deploy as an administrator through the API; the keys by resource kind and id."""
    with served.signed_in("root") as browser:
        token = csrf_of(browser.get("/ui/modeler").text)
        answer = browser.post(
            "/v2/deployments", files=_files(*named), headers={"X-CSRF-Token": token}
        )
        assert answer.status_code == 200, answer.text
    keys: dict[str, str] = {}
    for entry in answer.json()["deployments"]:
        for kind, d in entry.items():
            if kind == "processDefinition":
                keys[d["processDefinitionId"]] = d["processDefinitionKey"]
            elif kind == "decisionDefinition":
                keys[d["decisionDefinitionId"]] = d["decisionDefinitionKey"]
            elif kind == "form":
                keys[d["formId"]] = d["formKey"]
    return keys


def test_the_flavour_and_kind_are_told_by_name_and_namespaces() -> None:
    assert bpmn_flavour(CAMUNDA7.decode()) == "camunda7"
    c8 = to_xml(ProcessBuilder("p").start().end().build()).decode()
    assert bpmn_flavour(c8) == "camunda8"
    assert bpmn_flavour('<definitions modeler:executionPlatform="Camunda Platform">') == "camunda7"
    assert bpmn_flavour("<bpmn:definitions/>") == "camunda8"
    assert kind_of("x.bpmn", c8) == "bpmn"
    assert kind_of("x.dmn", "<definitions/>") == "dmn"
    assert kind_of("x.xml", DMN.decode()) == "dmn"
    assert kind_of("x.form", "{}") == "form" and kind_of("x.json", ' {"a": 1}') == "form"
    assert kind_of("notes.txt", "hello") is None


@pytest.mark.parametrize("who", ["mona", "root"])
def test_modelers_and_admins_see_what_they_may_open(who: str) -> None:
    with ui_app() as served:
        keys = _deploy(
            served,
            ("order.bpmn", to_xml(ProcessBuilder("order", name="Order").start().end().build())),
            ("discount.dmn", DMN),
        )
        with served.signed_in(who) as browser:
            page = browser.get("/ui/modeler")
            assert page.status_code == 200, page.text
            for testid in ("new-bpmn", "new-bpmn-c7", "new-dmn", "new-form", "open-file"):
                assert f'data-testid="{testid}"' in page.text
            assert f'href="/ui/modeler/edit?process={keys["order"]}"' in page.text
            assert ">Order</a>" in page.text
            decision = next(k for name, k in keys.items() if name != "order")
            assert f"/ui/modeler/edit?decision={decision}" in page.text
            assert 'aria-current="page">Modeler</a>' in page.text


@pytest.mark.parametrize("who", ["ursula", "olga"])
def test_others_get_a_403_page_without_the_controls(who: str) -> None:
    with ui_app() as served, served.signed_in(who) as browser:
        for path in ("/ui/modeler", "/ui/modeler/edit?new=camunda8"):
            page = browser.get(path)
            assert page.status_code == 403, page.text
            assert "modeler" in page.text and 'data-testid="deploy"' not in page.text
            assert 'data-testid="new-bpmn"' not in page.text and "registaModeler" not in page.text
            assert ">Modeler</a>" not in page.text  # nor in the navigation
        templates = browser.get("/ui/modeler/element-templates/camunda8.json")
        assert templates.status_code == 403
        # and the API refuses what the controls would have done
        token = csrf_of(browser.get("/ui/modeler").text)
        for path in ("/v2/resources/validation", "/v2/deployments"):
            answer = browser.post(
                path, files=_files(("x.bpmn", CAMUNDA7)), headers={"X-CSRF-Token": token}
            )
            assert answer.status_code == 403, answer.text


def test_a_new_model_opens_in_the_editor_of_its_kind() -> None:
    with ui_app() as served, served.signed_in("mona") as browser:
        bundles = {
            "camunda8": "camunda-cloud-modeler.production.min.js",
            "camunda7": "camunda-platform-modeler.production.min.js",
            "dmn": "dmn-modeler.production.min.js",
            "form": "form-editor.umd.js",
        }
        for new, bundle in bundles.items():
            page = browser.get(f"/ui/modeler/edit?new={new}")
            assert page.status_code == 200, page.text
            assert bundle in page.text
            assert sum(b in page.text for b in bundles.values()) == 1, "one editor a page"
            for testid in ("validate", "deploy", "download", "problems", "file-name"):
                assert f'data-testid="{testid}"' in page.text, testid
            config = _config(page.text)
            assert config["source"] is None and config["origin"] == "new"
            assert config["mayStart"] is False  # mona is no operator
            assert 'data-testid="start"' not in page.text
            if new == "camunda8" or new == "camunda7":
                assert config["templates"] == f"/ui/modeler/element-templates/{new}.json"
                assert "needs the role operator" in page.text
        assert browser.get("/ui/modeler/edit").status_code == 200  # a Camunda 8 diagram
        wrong = browser.get("/ui/modeler/edit?new=visio")
        assert wrong.status_code == 400 and "new" in wrong.text


def test_deployed_models_open_with_their_source_and_flavour() -> None:
    with ui_app() as served:
        c8_xml = to_xml(ProcessBuilder("order").start().end().build())
        keys = _deploy(
            served,
            ("order.bpmn", c8_xml),
            ("legacy.bpmn", CAMUNDA7),
            ("discount.dmn", DMN),
            ("review.form", FORM),
        )
        decision = next(k for n, k in keys.items() if n not in ("order", "legacy", "review-form"))
        with served.signed_in("root") as browser:
            page = browser.get(f"/ui/modeler/edit?process={keys['legacy']}")
            assert page.status_code == 200, page.text
            assert "camunda-platform-modeler.production.min.js" in page.text
            config = _config(page.text)
            assert config["source"] == CAMUNDA7.decode() and config["flavour"] == "camunda7"
            assert config["name"] == "legacy.bpmn" and config["processKey"] == keys["legacy"]
            assert 'data-testid="start"' in page.text and config["mayStart"] is True
            page = browser.get(f"/ui/modeler/edit?process={keys['order']}")
            assert "camunda-cloud-modeler.production.min.js" in page.text
            assert _config(page.text)["flavour"] == "camunda8"
            page = browser.get(f"/ui/modeler/edit?decision={decision}")
            assert page.status_code == 200, page.text
            config = _config(page.text)
            assert config["kind"] == "dmn" and config["source"] == DMN.decode()
            assert config["focus"] and 'data-testid="start"' not in page.text
            page = browser.get(f"/ui/modeler/edit?form={keys['review-form']}")
            assert page.status_code == 200, page.text
            config = _config(page.text)
            assert config["kind"] == "form" and json.loads(config["source"])["id"] == "review-form"
            assert config["name"] == "review-form.form"
            missing = browser.get("/ui/modeler/edit?process=999")
            assert missing.status_code == 404 and "999" in missing.text
            both = browser.get(f"/ui/modeler/edit?new=dmn&process={keys['order']}")
            assert both.status_code == 400 and "one model at a time" in both.text
            bad = browser.get("/ui/modeler/edit?process=<script>")
            assert bad.status_code == 400 and "<script>" not in bad.text


def test_a_file_from_disk_opens_in_the_editor_its_kind_names() -> None:
    with ui_app() as served, served.signed_in("mona") as browser:
        page = browser.get("/ui/modeler/edit?file=C:\\models\\legacy.bpmn&flavour=camunda7")
        assert page.status_code == 200, page.text
        config = _config(page.text)
        assert config["origin"] == "file" and config["name"] == "legacy.bpmn"
        assert "camunda-platform-modeler.production.min.js" in page.text
        wrong = browser.get("/ui/modeler/edit?file=a.bpmn&file_kind=visio")
        assert wrong.status_code == 400 and "file_kind" in wrong.text


@pytest.mark.parametrize("flavour", ["camunda8", "camunda7"])
def test_the_element_templates_are_served_as_json(flavour: str) -> None:
    with ui_app() as served, served.signed_in("mona") as browser:
        answer = browser.get(f"/ui/modeler/element-templates/{flavour}.json")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("application/json")
        templates = answer.json()
        assert templates == element_templates(flavour)  # type: ignore[arg-type]
        assert templates and all("id" in t and "appliesTo" in t for t in templates)
        assert browser.get("/ui/modeler/element-templates/visio.json").status_code == 404


def _session(browser: httpx.Client) -> dict[str, str]:
    return {"X-CSRF-Token": csrf_of(browser.get("/ui/modeler").text)}


def test_validation_with_the_page_session() -> None:
    with ui_app() as served, served.signed_in("mona") as browser:
        headers = _session(browser)
        good = to_xml(ProcessBuilder("p").start().end().build())
        answer = browser.post(
            "/v2/resources/validation", files=_files(("p.bpmn", good)), headers=headers
        )
        assert answer.status_code == 200 and answer.json() == {"problems": []}
        answer = browser.post(
            "/v2/resources/validation", files=_files(("broken.bpmn", BROKEN)), headers=headers
        )
        problems = answer.json()["problems"]
        assert {k: problems[0][k] for k in ("resource", "elementId", "line")} == {
            "resource": "broken.bpmn",
            "elementId": "f1",
            "line": 5,
        }
        not_xml = browser.post(
            "/v2/resources/validation", files=_files(("notes.bpmn", b"hello")), headers=headers
        )
        assert not_xml.status_code == 400 and "notes.bpmn" in not_xml.json()["detail"]
        forged = browser.post("/v2/resources/validation", files=_files(("p.bpmn", good)))
        assert forged.status_code == 403, "a cookie without the CSRF token is refused"


def test_deploy_and_start_with_the_page_session() -> None:
    with ui_app() as served:
        xml = to_xml(ProcessBuilder("hello").start().user_task("greet").end().build())
        with served.signed_in("mona") as browser:
            headers = _session(browser)
            refused = browser.post(
                "/v2/deployments", files=_files(("broken.bpmn", BROKEN)), headers=headers
            )
            assert refused.status_code == 400
            assert refused.json()["problems"][0]["elementId"] == "f1"
            answer = browser.post(
                "/v2/deployments", files=_files(("hello.bpmn", xml)), headers=headers
            )
            assert answer.status_code == 200, answer.text
            key = answer.json()["deployments"][0]["processDefinition"]["processDefinitionKey"]
            # a modeler deploys but starts nothing: that is an operator's
            start = {"processDefinitionKey": key, "variables": {"amount": 5}}
            denied = browser.post("/v2/process-instances", json=start, headers=headers)
            assert denied.status_code == 403
        with served.signed_in("root") as browser:
            headers = _session(browser)
            started = browser.post("/v2/process-instances", json=start, headers=headers)
            assert started.status_code == 200, started.text
            instance = started.json()["processInstanceKey"]
            variables = browser.post(
                "/v2/variables/search",
                json={"filter": {"processInstanceKey": instance}},
                headers=headers,
            )
            assert variables.status_code == 200, variables.text
            values = {v["name"]: v["value"] for v in variables.json()["items"]}
            assert values.get("amount") == "5"
