"""`GET /metrics`: the operator role (or admin) unless the server makes it public, Prometheus'
text format, and the counts of the work done through the API."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from regista.api import ServerOptions, create_app
from regista.api.authenticator import StoredAuthenticator
from regista.api.identity import Directory
from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.insight.metrics import Metrics
from regista.store.memory import MemoryStore
from serving import serve

from .identitykit import basic, cheap_passwords


def _values(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_need_an_operator_unless_public() -> None:
    store = MemoryStore()
    with Client(store) as client:
        directory = Directory(store, passwords=cheap_passwords())
        directory.create_user("op", "pw", roles=["operator"])
        directory.create_user("worker", "pw", roles=["worker"])
        authenticator = StoredAuthenticator(directory)
        client.deploy(ProcessBuilder("p").start("s").user_task("t").end("e"))
        guarded = create_app(client, ServerOptions(), authenticator=authenticator)
        public = create_app(
            client,
            ServerOptions(metrics_public=True),
            authenticator=authenticator,
            node_metrics=Metrics(store, clock=client.shell.now),
        )
        with serve(guarded) as url, httpx.Client(base_url=url, timeout=60) as http:
            assert http.get("/metrics").status_code == 401
            assert http.get("/metrics", headers=basic("worker", "pw")).status_code == 403
            client.start("p")
            answer = http.get("/metrics", headers=basic("op", "pw"))
            assert "/metrics" not in http.get("/openapi.json").json()["paths"]
        with serve(public) as url, httpx.Client(base_url=url, timeout=60) as http:
            anonymous = http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    values = _values(answer.text)
    # the first app observes the client's shell: the start is counted
    assert values["regista_instances_started_total", (("process", "p"),)] == 1
    assert values["regista_tokens_active", (("element", "t"), ("process", "p"))] == 1
    assert anonymous.status_code == 200
    anonymous_values = _values(anonymous.text)
    # the second app's metrics observe nothing, but read the same store at scrape time
    assert ("regista_instances_started_total", (("process", "p"),)) not in anonymous_values
    assert anonymous_values["regista_instances_active", (("process", "p"), ("status", "active"))]
    store.close()
