"""Signing in to the UI: the login form, the session cookie the API then accepts, CSRF
protection of state-changing requests, roles deciding what is shown, and errors as pages."""

from __future__ import annotations

import pytest

from regista.api.sessions import COOKIE, csrf_token

from .uikit import UiServed, csrf_of, ui_app


@pytest.fixture(scope="module")
def served() -> object:
    with ui_app() as found:
        yield found


def test_a_page_without_a_session_sends_the_browser_to_the_login(served: UiServed) -> None:
    with served.browser() as browser:
        answer = browser.get("/ui/?state=ACTIVE")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/ui/login?next=%2Fui%2F%3Fstate%3DACTIVE"
        page = browser.get("/ui/login")
        assert page.status_code == 200
        assert 'name="username"' in page.text and 'type="password"' in page.text


def test_an_unknown_page_is_a_page(served: UiServed) -> None:
    with served.signed_in("olga") as browser:
        answer = browser.get("/ui/no/such/page")
        assert answer.status_code == 404
        assert "text/html" in answer.headers["content-type"]
        assert "no page at /ui/no/such/page" in answer.text


def test_root_sends_browsers_to_the_ui(served: UiServed) -> None:
    with served.browser() as browser:
        answer = browser.get("/")
        assert answer.status_code == 307 and answer.headers["location"] == "/ui/"


def test_a_wrong_password_is_refused_on_the_form(served: UiServed) -> None:
    with served.browser() as browser:
        answer = browser.post("/ui/login", data={"username": "olga", "password": "nope"})
        assert answer.status_code == 401
        assert "The username or the password is not right." in answer.text
        assert 'value="olga"' in answer.text  # the form keeps what was typed
        assert COOKIE not in browser.cookies
        empty = browser.post("/ui/login", data={"username": "olga"})
        assert empty.status_code == 400 and "Enter your username" in empty.text


def test_the_session_cookie_is_http_only_and_same_site(served: UiServed) -> None:
    with served.browser() as browser:
        answer = browser.post(
            "/ui/login", data={"username": "olga", "password": "s3cret-olga", "next": "/ui/"}
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/ui/"
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=")
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # plain HTTP here; over HTTPS it is marked Secure


def test_login_never_redirects_to_another_site(served: UiServed) -> None:
    with served.browser() as browser:
        for target in ("https://evil.example/", "//evil.example/ui/", "/v2/topology"):
            answer = browser.post(
                "/ui/login",
                data={"username": "olga", "password": "s3cret-olga", "next": target},
            )
            assert answer.headers["location"] == "/ui/"


def test_a_login_posted_from_another_site_is_refused(served: UiServed) -> None:
    with served.browser() as browser:
        answer = browser.post(
            "/ui/login",
            data={"username": "olga", "password": "s3cret-olga"},
            headers={"Origin": "https://evil.example"},
        )
        assert answer.status_code == 403
        assert "text/html" in answer.headers["content-type"]
        assert COOKIE not in browser.cookies


def test_the_api_accepts_the_session_and_asks_for_the_csrf_token(served: UiServed) -> None:
    with served.signed_in("olga") as browser:
        me = browser.get("/v2/authentication/me")
        assert me.status_code == 200 and me.json()["username"] == "olga"
        search = {"filter": {}, "page": {"limit": 5}}
        refused = browser.post("/v2/process-instances/search", json=search)
        assert refused.status_code == 403
        assert "CSRF" in refused.json()["detail"]
        wrong = browser.post(
            "/v2/process-instances/search", json=search, headers={"X-CSRF-Token": "forged"}
        )
        assert wrong.status_code == 403
        page = browser.get("/ui/")
        token = csrf_of(page.text)
        assert token == csrf_token(browser.cookies[COOKIE])
        allowed = browser.post(
            "/v2/process-instances/search", json=search, headers={"X-CSRF-Token": token}
        )
        assert allowed.status_code == 200, allowed.text


def test_the_session_carries_the_users_roles(served: UiServed) -> None:
    with served.signed_in("ursula") as browser:
        home = browser.get("/ui/")  # the dashboard is for operators: she lands on her tasks
        assert home.status_code == 303 and home.headers["location"] == "/ui/tasks"
        page = browser.get("/ui/fragments/dashboard")
        assert page.status_code == 403
        assert "needs the role operator" in page.text
        assert "Traceback" not in page.text
        token = csrf_of(page.text)
        refused = browser.post("/v2/incidents/search", json={}, headers={"X-CSRF-Token": token})
        assert refused.status_code == 403


def test_navigation_shows_what_the_roles_allow(served: UiServed) -> None:
    with served.signed_in("olga") as browser:
        page = browser.get("/ui/").text
        assert 'href="/ui/instances"' in page and 'href="/ui/incidents"' in page
        assert 'href="/ui/modeler"' not in page
    with served.signed_in("root") as browser:
        page = browser.get("/ui/").text
        assert 'href="/ui/modeler"' in page and 'href="/ui/tasks"' in page


def test_logout_needs_the_csrf_token_and_clears_the_cookie(served: UiServed) -> None:
    with served.signed_in("olga") as browser:
        token = csrf_of(browser.get("/ui/").text)
        refused = browser.post("/ui/logout", data={})
        assert refused.status_code == 403
        answer = browser.post("/ui/logout", data={"csrf_token": token})
        assert answer.status_code == 303 and answer.headers["location"] == "/ui/login"
        assert COOKIE not in browser.cookies
        assert browser.get("/ui/").status_code == 303


def test_a_disabled_users_session_stops_working(served: UiServed) -> None:
    served.directory.create_user("temp", "s3cret-temp", roles=["operator"])
    with served.browser() as browser:
        browser.post("/ui/login", data={"username": "temp", "password": "s3cret-temp"})
        assert browser.get("/ui/").status_code == 200
        served.directory.delete_user("temp")
        assert browser.get("/ui/").status_code == 303


def test_without_authentication_the_ui_needs_no_login() -> None:
    with ui_app(auth="none") as served, served.browser() as browser:
        assert browser.get("/ui/login").status_code == 303
        page = browser.get("/ui/")
        assert page.status_code == 200 and "Dashboard" in page.text
        assert "Sign out" not in page.text


def test_a_page_of_another_origin_cannot_ride_on_the_session(served: UiServed) -> None:
    with served.signed_in("olga") as browser:
        assert browser.get("/v2/authentication/me").status_code == 200
        for headers in (
            {"Origin": "http://localhost:3000"},
            {"Sec-Fetch-Site": "same-site"},
            {"Sec-Fetch-Site": "cross-site"},
        ):
            answer = browser.get("/v2/authentication/me", headers=headers)
            assert answer.status_code == 401, headers
            page = browser.get("/ui/", headers=headers)
            assert page.status_code == 303, headers  # to the login: no session counts
        same = browser.get("/v2/authentication/me", headers={"Sec-Fetch-Site": "same-origin"})
        assert same.status_code == 200
