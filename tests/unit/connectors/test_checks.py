"""`regista validate` on connector configuration: missing inputs, fixed values outside
a connector's choices and inbound events without their source are errors naming the
element; values computed by FEEL are left to run time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from regista.bpmn import ProcessBuilder, to_xml
from regista.connectors import EMAIL, HTTP_JSON
from regista.connectors.checks import check


def test_a_rest_task_without_url_and_with_an_unknown_auth_type() -> None:
    model = (
        ProcessBuilder("p")
        .start("s")
        .service_task("rest", type=HTTP_JSON)
        .input("authentication.type", "kerberos")
        .input("method", "=verb")
        .end("e")
        .build()
    )
    messages = sorted(p.message for p in check(model))
    assert messages == [
        "the connector io.camunda:http-json:1 needs the input 'url': map it in the task's "
        "inputs (zeebe:ioMapping)",
        "the input 'authentication.type' is 'kerberos'; the connector io.camunda:http-json:1 "
        "takes noAuth, basic, bearer, apiKey, oauth-client-credentials-flow",
    ]
    assert {p.element_id for p in check(model)} == {"rest"}


def test_a_whole_context_counts_as_its_parts_and_good_models_pass() -> None:
    model = (
        ProcessBuilder("p")
        .start("s")
        .service_task("mail", type=EMAIL)
        .input("data", "={smtpConfig: {smtpHost: host}, smtpAction: {from: a, to: b}}")
        .input("data.smtpConfig.smtpCryptographicProtocol", "starttls")
        .service_task("rest", type=HTTP_JSON)
        .input("url", "=base")
        .end("e")
        .build()
    )
    assert check(model) == []


def test_an_inbound_event_without_its_source() -> None:
    model = (
        ProcessBuilder("p")
        .start("s", message="m")
        .property("inbound.type", "io.camunda:connector-rabbitmq-inbound:1")
        .end("e")
        .build()
    )
    (problem,) = check(model)
    assert problem.element_id == "s" and "'inbound.queueName'" in problem.message


def test_regista_validate_reports_them(tmp_path: Path) -> None:
    path = tmp_path / "rest.bpmn"
    path.write_bytes(
        to_xml(ProcessBuilder("p").start("s").service_task("rest", type=HTTP_JSON).end("e").build())
    )
    done = subprocess.run(
        [sys.executable, "-m", "regista.cli.main", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "error [rest]: the connector io.camunda:http-json:1 needs the input 'url'" in done.stdout


def test_the_checks_know_the_connectors_own_job_types() -> None:
    # The checks live with the model (so deploying refuses their errors); their job types
    # must stay the connectors' own.
    from regista.bpmn import connector_checks
    from regista.connectors import AI_CHAT, MQTT, NATS, RABBITMQ, REDIS_STREAM
    from regista.connectors.webhooks import WEBHOOK

    assert {
        HTTP_JSON,
        EMAIL,
        AI_CHAT,
        RABBITMQ,
        MQTT,
        NATS,
        REDIS_STREAM,
    } == connector_checks.CONNECTOR_TYPES
    assert connector_checks.WEBHOOK == WEBHOOK


def test_deploying_refuses_a_connector_error_with_validates_message() -> None:
    import pytest

    from regista.client import Client
    from regista.runtime.sources import DeploymentError
    from regista.store.memory import MemoryStore

    model = ProcessBuilder("p").start("s").service_task("rest", type=HTTP_JSON).end("e")
    expected = [p.message for p in check(model.build()) if p.severity == "error"]
    assert expected
    with Client(MemoryStore()) as client, pytest.raises(DeploymentError) as refused:
        client.deploy(model)
    assert [p.message for p in refused.value.problems if p.element_id == "rest"] == expected
