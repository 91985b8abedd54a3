"""The HTTP connector's per-call parts that need no server: the response as a variable,
the timeouts, and the result expression compiled once per task rather than per call."""

from __future__ import annotations

import httpx
import pytest

from regista.connectors.http import _DEFAULT_TIMEOUT, _response, _timeout
from regista.connectors.outcome import ConnectorError, Outcome, _compiled, conclude
from regista.runtime.workers import ActivatedJob


def answer(content: bytes, content_type: str | None) -> httpx.Response:
    headers = {"content-type": content_type} if content_type else {}
    response = httpx.Response(200, headers=headers, content=content)
    response.read()
    return response


def test_a_json_body_is_parsed_from_its_bytes() -> None:
    found = _response(answer(b'{"ok": true, "n": [1, 2.5]}', "application/json"))
    assert found["status"] == 200
    assert found["body"] == {"ok": True, "n": [1, 2.5]}
    assert found["headers"]["content-type"] == "application/json"


def test_the_headers_are_by_lower_case_name_with_repeated_ones_joined() -> None:
    response = httpx.Response(
        200, headers=[("X-Seen", "a"), ("Content-Type", "text/plain"), ("x-seen", "b")]
    )
    response.read()
    assert _response(response)["headers"] == {"x-seen": "a, b", "content-type": "text/plain"}
    assert _response(response)["headers"] == dict(response.headers)


def test_a_json_body_in_utf16_is_parsed() -> None:
    found = _response(answer('{"name": "Zoë"}'.encode("utf-16"), "application/json"))
    assert found["body"] == {"name": "Zoë"}


def test_a_json_content_type_with_a_body_that_is_not_json_stays_text() -> None:
    found = _response(answer(b"not json {", "application/json; charset=utf-8"))
    assert found["body"] == "not json {"


def test_an_empty_json_value_becomes_null_as_before() -> None:
    assert _response(answer(b"{}", "application/json"))["body"] is None
    assert _response(answer(b"", "application/json"))["body"] is None


def test_json_without_a_json_content_type_is_parsed_and_other_text_is_kept() -> None:
    assert _response(answer(b'[1, "a"]', "text/plain"))["body"] == [1, "a"]
    assert _response(answer(b"hello", "text/plain"))["body"] == "hello"


def test_the_default_timeout_is_shared_and_others_are_built() -> None:
    assert _timeout({}) is _DEFAULT_TIMEOUT
    assert _timeout({"readTimeoutInSeconds": "", "connectionTimeoutInSeconds": None}) is (
        _DEFAULT_TIMEOUT
    )
    assert (_DEFAULT_TIMEOUT.read, _DEFAULT_TIMEOUT.connect) == (20.0, 20.0)
    custom = _timeout({"readTimeoutInSeconds": 3, "connectionTimeoutInSeconds": "1.5"})
    assert (custom.read, custom.connect) == (3.0, 1.5)
    with pytest.raises(ConnectorError, match="readTimeoutInSeconds"):
        _timeout({"readTimeoutInSeconds": "soon"})


def job(headers: dict[str, str]) -> ActivatedJob:
    return ActivatedJob(
        id="j",
        type="io.camunda:http-json:1",
        instance_id="i",
        element_id="call",
        element_instance_id="e",
        variables={"n": 1},
        headers=headers,
        retries=3,
        process_id="rest",
        business_key=None,
    )


def test_the_result_expression_is_compiled_once_for_many_calls() -> None:
    expression = "= {ok: response.body.ok, seen: response.status}"
    before = _compiled.cache_info()
    for status in (200, 201, 202):
        result = conclude(
            job({"resultExpression": expression}),
            Outcome(response={"status": status, "headers": {}, "body": {"ok": True}}),
        )
        assert result == {"ok": True, "seen": status}
    after = _compiled.cache_info()
    assert after.misses == before.misses + 1
    assert after.hits == before.hits + 2


def test_a_result_expression_that_does_not_compile_fails_every_call() -> None:
    for _ in range(2):
        with pytest.raises(ConnectorError, match="resultExpression"):
            conclude(job({"resultExpression": "= {ok: "}), Outcome(response={"status": 200}))
