"""End-to-end tests of the web UI in a real headless Chromium (Debian's `chromium`, driven by
Playwright): one real `regista server` process on a temporary SQLite database and one
browser for the package's tests (not the session: Playwright's sync API leaves its event
loop marked running in the thread, so tests run after it by the same worker could not use
`asyncio.run`), a fresh browser context per test. Every page's console errors fail the test.

Skipped with the reason when Chromium or Playwright is missing, except under CI=true, where
they must run (`.ci/run` installs Chromium when it is missing)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from serving import free_port
from testkit import wait_until

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page

CHROMIUM = os.environ.get("REGISTA_CHROMIUM", "/usr/bin/chromium")
ADMIN = ("admin", "e2e-admin-Secret1")
PEOPLE = {
    "ursula": ("e2e-ursula-Secret1", ["user"]),
    "olga": ("e2e-olga-Secret1", ["operator"]),
}
#: Console messages the vendored libraries print themselves (vendor/README.md).
ALLOWED_CONSOLE = ("minified copy of the development build of Inferno",)
#: Where screenshots of the pages go (kept by CI as artifacts; ignored by git).
ARTIFACTS = Path(__file__).parent / "artifacts"
DEADLINE = 90  # seconds: a hung server fails the session, nothing waits this long otherwise


def _missing() -> str | None:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[dev]')"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@dataclass
class Server:
    """The server under test: its address, the administrator's API client and its log."""

    url: str
    api: httpx.Client
    log: Path

    def deploy(self, name: str, content: str) -> dict[str, Any]:
        answer = self.api.post(
            "/v2/deployments", files=[("resources", (name, content.encode(), "text/xml"))]
        )
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    def start(self, process_id: str, variables: dict[str, Any] | None = None) -> str:
        answer = self.api.post(
            "/v2/process-instances",
            json={"processDefinitionId": process_id, "variables": variables or {}},
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["processInstanceKey"])


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("e2e-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "server.log"
    env = dict(os.environ, REGISTA_ADMIN_USER=ADMIN[0], REGISTA_ADMIN_PASSWORD=ADMIN[1])
    command = [
        sys.executable,
        "-m",
        "regista.cli.main",
        "server",
        "--database-url",
        f"sqlite:///{folder / 'e2e.db'}",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    api = httpx.Client(base_url=url, auth=ADMIN, timeout=30)
    try:

        def ready() -> bool:
            if process.poll() is not None:
                return True
            try:
                return api.get("/ready").status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, DEADLINE, what="the server to be ready")
        assert process.poll() is None, log.read_text()
        for name, (password, roles) in PEOPLE.items():
            made = api.post("/v2/users", json={"username": name, "password": password})
            assert made.status_code in (200, 201), made.text
            for role in roles:
                granted = api.put(f"/v2/roles/{role}/users/{name}")
                assert granted.status_code in (200, 204), granted.text
        yield Server(url, api, log)
    finally:
        api.close()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Console:
    """What the pages of a test printed as errors, and the scripts that failed. A test that
    provokes a refusal on purpose (a wrong password, a field the API refuses) says which
    status it expects: Chromium logs each such response as an error."""

    errors: list[str] = field(default_factory=list)
    expected: set[int] = field(default_factory=set)

    def allow(self, *statuses: int) -> None:
        self.expected.update(statuses)

    def on_message(self, message: ConsoleMessage) -> None:
        if message.type != "error" or any(a in message.text for a in ALLOWED_CONSOLE):
            return
        if any(f"status of {status} " in message.text for status in self.expected):
            return
        self.errors.append(f"{message.location.get('url', '')}: {message.text}")

    def on_error(self, error: Exception) -> None:
        self.errors.append(f"uncaught: {error}")


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser: Browser, server: Server, console: Console) -> Iterator[Page]:
    context = browser.new_context(base_url=server.url, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(30_000)
    opened = context.new_page()
    opened.on("console", console.on_message)
    opened.on("pageerror", console.on_error)
    try:
        yield opened
    finally:
        context.close()
    assert console.errors == [], "console errors:\n" + "\n".join(console.errors)


def sign_in(page: Page, username: str, password: str) -> None:
    """Sign in through the login form, as a person does."""
    page.goto("/ui/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/ui/**")
    assert "/ui/login" not in page.url, page.content()


def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot of the page as a test artifact."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
