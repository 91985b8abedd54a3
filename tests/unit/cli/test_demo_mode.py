"""What `--demo` adds to `regista server`, step by step (`regista.cli.demo.DemoMode`): off,
every step does nothing; on, the demos' workers join the user's, the four demos deploy
once, the login is created and printed once, and the traffic starts and stops."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest

from regista.api.identity import Directory
from regista.cli.demo import DEMO_USER, DemoMode
from regista.client import Client
from regista.demos.catalog import DEMOS
from regista.runtime.clock import FakeClock
from regista.runtime.workers import Workers
from regista.store.memory import MemoryStore
from testkit import wait_until


@pytest.fixture
def client() -> Iterator[Client]:
    with Client(MemoryStore(), clock=FakeClock()) as opened:
        yield opened


def test_off_every_step_does_nothing(client: Client, capsys: pytest.CaptureFixture[str]) -> None:
    mode = DemoMode(False)
    mine = Workers()
    mode.check(engine=False)
    assert mode.workers(mine) is mine
    mode.deploy(client)
    mode.login(Directory(client.store))
    mode.start(client)
    mode.stop()
    assert client.definitions() == []
    assert Directory(client.store).users() == []
    assert capsys.readouterr().err == ""


def test_on_without_an_engine_is_refused() -> None:
    with pytest.raises(click.UsageError, match="drop --no-engine"):
        DemoMode(True).check(engine=False)


def test_the_users_workers_win_over_the_demos_on_the_same_type() -> None:
    mine = Workers()

    @mine.worker("kyc-sanctions")
    def screen(job: object) -> dict[str, object]:
        return {"sanctionsHit": False}

    combined = DemoMode(True).workers(mine)
    assert combined.handler("kyc-sanctions") is screen
    assert "fashion-ship" in combined


def test_the_demos_deploy_once_and_say_what(
    client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    mode = DemoMode(True)
    mode.deploy(client)
    first = capsys.readouterr().err
    for demo in DEMOS:
        assert f"demo deployed: process {demo.process_id} version 1" in first
    assert "demo deployed: decision kyc-risk version 1" in first
    assert "demo deployed: form kyc-approval version 1" in first
    assert "dmn" not in first.replace("demo deployed", "")
    mode.deploy(client)
    assert "demo unchanged: process kyc-onboarding version 1" in capsys.readouterr().err


def test_the_login_is_created_once_and_printed(
    client: Client, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REGISTA_ADMIN_USER", raising=False)
    directory = Directory(client.store)
    DemoMode(True).login(directory)
    printed = capsys.readouterr().err
    password = printed.split("password '")[1].split("'")[0]
    assert directory.check_password(DEMO_USER, password) is not None
    DemoMode(True).login(directory)
    assert "an administrator exists" in capsys.readouterr().err
    DemoMode(True).login(None)
    assert "none needed" in capsys.readouterr().err
    monkeypatch.setenv("REGISTA_ADMIN_USER", "boss")
    DemoMode(True).login(directory)
    assert "user 'boss'" in capsys.readouterr().err


def test_the_traffic_starts_and_stops(client: Client, capsys: pytest.CaptureFixture[str]) -> None:
    mode = DemoMode(True, rate=6000, seed=5)
    mode.deploy(client)
    mode.start(client)
    traffic = mode.traffic
    assert traffic is not None
    wait_until(lambda: sum(traffic.counts.started.values()) >= 4, what="the traffic")
    mode.stop()
    assert mode.traffic is None
    assert "demo traffic: 6000 instances a minute, seed 5" in capsys.readouterr().err
    assert {i.process_id for i in client.instances(limit=1000)} >= {d.process_id for d in DEMOS}
