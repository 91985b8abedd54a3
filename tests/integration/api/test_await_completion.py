"""A start that awaits its instance's end, on a server without an engine node sharing
PostgreSQL with another node: the other node's commit that ends the instance wakes it
(PostgreSQL `NOTIFY regista, 'ended'`), with the fallback look pushed out of reach."""

from __future__ import annotations

import threading

import pytest
from jobkit import served

from regista.api.v2 import instances
from regista.bpmn import ProcessBuilder
from regista.client import Client
from testkit import wait_until

# the suite's fixtures (`database_url`): this test needs its PostgreSQL case only
pytest_plugins = ["jobfixtures"]

OPERATOR = {"Authorization": "Bearer operator"}


def test_an_api_only_server_hears_another_node_end_the_instance(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serves one node: no other node ends instances")
    monkeypatch.setattr(instances, "_LOOK_AGAIN", 3600.0)
    url = database_url
    with served(url) as api, Client(url) as other:
        other.deploy(ProcessBuilder("approval").start().user_task("approve").end())
        endings = api.client.shell.signals.endings

        def complete_elsewhere() -> None:
            wait_until(lambda: endings.waiting == 1, 30, what="the start to await the end")
            listener = api.app.state.jobs_listener
            wait_until(listener.listening.is_set, 30, what="the server to listen")
            task = wait_until(lambda: other.tasks(), 30, what="the task")[0]
            other.complete_task(task.id, {"approved": True}, by="ann")

        person = threading.Thread(target=complete_elsewhere)
        person.start()
        try:
            answer = api.http.post(
                "/v2/process-instances",
                json={
                    "processDefinitionId": "approval",
                    "awaitCompletion": True,
                    "requestTimeout": 60_000,
                },
                headers=OPERATOR,
            )
        finally:
            person.join()
        assert answer.status_code == 200, answer.text
        assert answer.json()["variables"] == {"approved": True}
        assert endings.waiting == 0
