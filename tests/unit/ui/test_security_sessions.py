"""Sessions under attack: guessing passwords at the login form (throttled per username and
per client), login CSRF, links from other sites, cross-site requests riding the cookie,
open redirects and logout."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from regista.api.sessions import COOKIE, csrf_token
from regista.bpmn import ProcessBuilder
from regista.ui.throttle import LoginThrottle, ThrottleLimits

from .uikit import USERS, UiServed, csrf_of, ui_app


class Ticker:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def served() -> Iterator[UiServed]:
    with ui_app() as found:
        found.client.deploy(ProcessBuilder("chores").start().user_task("sweep").end())
        yield found


@pytest.fixture
def ticker(served: UiServed) -> Iterator[Ticker]:
    """A fresh throttle on a clock of the test's, put back afterwards."""
    clock = Ticker()
    kept = served.app.state.ui_throttle
    served.app.state.ui_throttle = LoginThrottle(clock, ThrottleLimits(per_client=8))
    yield clock
    served.app.state.ui_throttle = kept


def _login(served: UiServed, username: str, password: str) -> tuple[int, str, dict[str, str]]:
    with served.browser() as browser:
        answer = browser.post("/ui/login", data={"username": username, "password": password})
        return answer.status_code, answer.text, dict(answer.headers)


# -- the throttle on its own ---------------------------------------------------------------


def test_the_throttle_counts_per_username_and_forgets_after_the_window() -> None:
    clock = Ticker()
    throttle = LoginThrottle(clock, ThrottleLimits(per_user=3, per_client=100, window=60))
    for _ in range(3):
        assert throttle.retry_after("Olga", "1.2.3.4") == 0
        throttle.failed("Olga", "1.2.3.4")
        clock.now += 1
    # the same name typed differently, from elsewhere: still the same counter
    assert throttle.retry_after(" olga ", "5.6.7.8") == 57
    assert throttle.retry_after("ursula", "5.6.7.8") == 0
    clock.now += 57
    assert throttle.retry_after("olga", "1.2.3.4") == 0


def test_the_throttle_counts_per_client_and_a_success_does_not_reset_it() -> None:
    clock = Ticker()
    throttle = LoginThrottle(clock, ThrottleLimits(per_user=100, per_client=3, window=60))
    for name in ("a", "b", "c"):
        throttle.failed(name, "9.9.9.9")
    assert throttle.retry_after("d", "9.9.9.9") == 60
    assert throttle.retry_after("d", "8.8.8.8") == 0
    throttle.succeeded("a")
    assert throttle.retry_after("a", "9.9.9.9") == 60


def test_a_success_forgets_the_username_failures() -> None:
    throttle = LoginThrottle(Ticker(), ThrottleLimits(per_user=2, per_client=100))
    throttle.failed("olga", "1.1.1.1")
    throttle.succeeded("olga")
    throttle.failed("olga", "1.1.1.1")
    assert throttle.retry_after("olga", "1.1.1.1") == 0


def test_the_throttle_remembers_a_bounded_number_of_names() -> None:
    throttle = LoginThrottle(Ticker(), ThrottleLimits(per_user=1, per_client=10**9))
    for index in range(10_050):
        throttle.failed(f"user{index}", "1.1.1.1")
    assert throttle.retry_after("user10049", "2.2.2.2") > 0
    assert throttle.retry_after("user0", "2.2.2.2") == 0  # the oldest were let go


# -- the throttle at the login form ---------------------------------------------------------


def test_guessing_a_password_is_stopped_with_429(served: UiServed, ticker: Ticker) -> None:
    for _ in range(5):
        status, _, _ = _login(served, "mona", "guess")
        assert status == 401
    # now even the right password waits: the guesser cannot tell which one was right
    status, text, headers = _login(served, "mona", USERS["mona"][0])
    assert status == 429
    assert "Too many failed sign-ins" in text and "wait 15 minutes" in text
    assert headers["retry-after"] == "900"
    assert headers["content-type"].startswith("text/html")
    # someone else, from the same address, is not held up by mona's guesser
    assert _login(served, "olga", USERS["olga"][0])[0] == 303
    ticker.now += 901
    assert _login(served, "mona", USERS["mona"][0])[0] == 303


def test_one_client_guessing_many_names_is_stopped(served: UiServed, ticker: Ticker) -> None:
    for index in range(8):
        assert _login(served, f"guess{index}", "x")[0] == 401
    status, text, _ = _login(served, "olga", USERS["olga"][0])
    assert status == 429 and "from this address" in text


# -- CSRF, navigation, redirects, logout ----------------------------------------------------


def test_a_login_from_another_site_without_origin_is_refused(served: UiServed) -> None:
    with served.browser() as browser:
        answer = browser.post(
            "/ui/login",
            data={"username": "olga", "password": USERS["olga"][0]},
            headers={"Sec-Fetch-Site": "cross-site"},
        )
        assert answer.status_code == 403 and COOKIE not in browser.cookies
        assert answer.headers["content-type"].startswith("text/html")


NAVIGATE = {
    "Sec-Fetch-Site": "cross-site",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-Dest": "document",
}


def test_a_link_from_another_site_opens_the_page_signed_in(served: UiServed) -> None:
    served.client.start("chores")
    with served.signed_in("olga") as browser:
        page = browser.get("/ui/tasks?view=all", headers=NAVIGATE)
        assert page.status_code == 200, page.headers.get("location")
        assert "sweep" in page.text
        # a script of another site fetching the page does not ride on the session
        fetched = browser.get(
            "/ui/tasks", headers={**NAVIGATE, "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}
        )
        assert fetched.status_code == 303
        assert fetched.headers["location"].startswith("/ui/login")
        api = browser.get(
            "/engine-rest/deployment", headers={**NAVIGATE, "Sec-Fetch-Mode": "no-cors"}
        )
        assert api.status_code == 401
        assert browser.get("/engine-rest/deployment").status_code == 200  # same origin


def test_a_form_posted_from_another_site_never_rides_the_session(served: UiServed) -> None:
    served.client.start("chores")
    (task,) = [t for t in served.client.tasks() if t.assignee is None][:1]
    with served.signed_in("olga") as browser:
        token = csrf_token(browser.cookies[COOKIE])
        body = {"assignee": "olga", "allowOverride": True, "action": "claim"}
        for headers in (
            {**NAVIGATE},  # a navigation, but not a safe method
            {**NAVIGATE, "X-CSRF-Token": token},
            {"Origin": "http://evil.example", "X-CSRF-Token": token},
        ):
            answer = browser.post(
                f"/v2/user-tasks/{task.id}/assignment", json=body, headers=headers
            )
            assert answer.status_code == 401, (headers, answer.text)
        missing = browser.post(f"/v2/user-tasks/{task.id}/assignment", json=body)
        assert missing.status_code == 403 and "CSRF" in missing.text


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/ui/",
        "//evil.example/ui/",
        "/\\evil.example/ui/",
        "javascript:alert(1)//ui/",
        "/ui/\r\nSet-Cookie: stolen=1",
        "/ui/../v2/topology",
    ],
)
def test_the_next_address_stays_on_this_server(served: UiServed, target: str) -> None:
    with served.browser() as browser:
        page = browser.get("/ui/login", params={"next": target})
        assert page.status_code == 200
        assert 'name="next" value="/ui/' in page.text
        answer = browser.post(
            "/ui/login",
            data={"username": "olga", "password": USERS["olga"][0], "next": target},
        )
        assert answer.status_code == 303
        location = answer.headers["location"]
        assert location.startswith("/ui/") and "\n" not in location and "\r" not in location
        assert "stolen" not in str(browser.cookies)


def test_logout_needs_the_token_and_ends_the_session(served: UiServed) -> None:
    with served.signed_in("olga") as browser:
        refused = browser.post("/ui/logout", data={"csrf_token": "forged"})
        assert refused.status_code == 403 and COOKIE in browser.cookies
        token = csrf_of(browser.get("/ui/tasks").text)
        done = browser.post("/ui/logout", data={"csrf_token": token})
        assert done.status_code == 303 and done.headers["location"] == "/ui/login"
        assert COOKIE not in browser.cookies
        assert browser.get("/ui/tasks").status_code == 303


def test_logout_revokes_the_session_so_a_copied_cookie_stops_working(served: UiServed) -> None:
    with served.signed_in("olga") as browser, served.signed_in("olga") as elsewhere:
        stolen = browser.cookies[COOKIE]
        assert elsewhere.get("/ui/tasks").status_code == 200
        token = csrf_of(browser.get("/ui/tasks").text)
        assert browser.post("/ui/logout", data={"csrf_token": token}).status_code == 303
        with served.browser() as thief:
            thief.cookies.set(COOKIE, stolen)
            assert thief.get("/ui/tasks").status_code == 303
            assert thief.get("/v2/user-tasks/search").status_code == 401
        # signing out signs the user out of every browser
        assert elsewhere.get("/ui/tasks").status_code == 303
    # a sign-in after the sign-out works at once
    with served.signed_in("olga") as again:
        assert again.get("/ui/tasks").status_code == 200
