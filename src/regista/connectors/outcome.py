"""What a connector's call becomes, as Camunda 8 defines it for every outbound connector:
the task headers `resultVariable` (the whole response into one variable),
`resultExpression` (FEEL over `response`, a context of variables), `errorExpression`
(FEEL deciding, from the response or the `error`, whether to throw a BPMN error with
`bpmnError(code, message[, variables])` or fail the job with
`jobError(message[, variables, retries, retryBackoff])`) and `retryBackoff` (an ISO 8601
duration before the next try when the call fails).

The result expression is evaluated first, and what it gives is seen by the error
expression beside `response`, `error` and the job's variables.

Every connector passes its `Outcome` through `conclude`, so that is where a watcher set
with `watching` (the connector's span, `regista.connectors.spans`) hears it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from regista import feel
from regista.feel.errors import FeelEvalError, FeelSyntaxError
from regista.feel.values import DaysTimeDuration, to_python
from regista.runtime.workers import ActivatedJob, BpmnError, JobFailure

__all__ = [
    "CallFailed",
    "ConnectorError",
    "Outcome",
    "conclude",
    "json_bytes",
    "parse_backoff",
    "watching",
]

_ERROR_TYPE = "errorType"


class ConnectorError(ValueError):
    """A connector's configuration that cannot work (a missing URL, an unknown
    authentication type): the job fails naming the field and the fix."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True, slots=True)
class CallFailed:
    """A call that did not succeed: `code` (an HTTP status as text, or a name such as
    TIMEOUT), a `message`, and the `response` when there was one."""

    code: str
    message: str
    response: Mapping[str, Any] | None = None
    retryable: bool = True


@dataclass(frozen=True, slots=True)
class Outcome:
    """The connector's answer: `response` on success, else `failed`."""

    response: Any = None
    failed: CallFailed | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


# the watcher of the call running in this context (a thread's job): a context variable,
# not an argument, so that the connectors' own signatures stay Camunda's
_watcher: ContextVar[Callable[[Outcome], None] | None] = ContextVar(
    "regista_connector_outcome", default=None
)


@contextmanager
def watching(watcher: Callable[[Outcome], None]) -> Iterator[None]:
    """Within the block, `conclude` hands each outcome to `watcher` before deciding."""
    token = _watcher.set(watcher)
    try:
        yield
    finally:
        _watcher.reset(token)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    plain = to_python(value)
    return plain if plain is not value else str(value)


def json_bytes(value: Any) -> bytes:
    """A variable's value as compact JSON (FEEL numbers as JSON numbers, dates as text)."""
    return json.dumps(value, separators=(",", ":"), default=_json_default).encode("utf-8")


def parse_backoff(text: Any, where: str = "retryBackoff") -> dt.timedelta | None:
    """A `retryBackoff` header or argument (an ISO 8601 duration such as PT10S)."""
    if text is None or text == "":
        return None
    if isinstance(text, dt.timedelta):
        return text
    if isinstance(text, DaysTimeDuration):
        return text.to_timedelta()
    try:
        value = feel.evaluate("duration(x)", {"x": str(text)})
    except (FeelSyntaxError, FeelEvalError):
        value = None
    if isinstance(value, DaysTimeDuration):
        return value.to_timedelta()
    raise ConnectorError(where, f"{text!r} is not a duration such as PT10S")


def _bpmn_error(code: Any, message: Any = "", variables: Any = None) -> dict[str, Any]:
    return {_ERROR_TYPE: "bpmnError", "code": code, "message": message, "variables": variables}


def _job_error(
    message: Any, variables: Any = None, retries: Any = None, retry_backoff: Any = None
) -> dict[str, Any]:
    return {
        _ERROR_TYPE: "jobError",
        "message": message,
        "variables": variables,
        "retries": retries,
        "retryBackoff": retry_backoff,
    }


@functools.lru_cache(maxsize=1024)
def _compiled(expression: str, names: tuple[str, ...]) -> feel.Expression:
    """A header's expression compiled once for the names in scope: the headers of a task
    are the same for every call, so each call only evaluates."""
    text = expression.strip()
    if text.startswith("="):
        text = text[1:]
    return feel.compile(text, names)


def _evaluate(expression: str, context: Mapping[str, Any], header: str) -> Any:
    warnings: list[str] = []
    try:
        return _compiled(expression, tuple(context)).evaluate(context, warnings)
    except (FeelSyntaxError, FeelEvalError) as exc:
        raise ConnectorError(header, f"the FEEL expression does not compile: {exc}") from None


def _variables(value: Any, header: str) -> dict[str, Any]:
    plain = to_python(value)
    if plain is None:
        return {}
    if not isinstance(plain, dict):
        raise ConnectorError(
            header, f"must give a context of variables, not {type(plain).__name__}"
        )
    return {str(k): v for k, v in plain.items()}


def _int(value: Any) -> int | None:
    plain = to_python(value)
    return plain if isinstance(plain, int) and not isinstance(plain, bool) else None


def conclude(job: ActivatedJob, outcome: Outcome, redact: Any = str) -> dict[str, Any]:
    """The variables that complete the job, or raise `BpmnError` / `JobFailure` as the
    headers and the outcome say. `redact` blanks secrets in every message."""
    watcher = _watcher.get()
    if watcher is not None:
        watcher(outcome)
    headers = job.headers
    response = to_python(outcome.response)
    result: dict[str, Any] = {}
    if outcome.failed is None:
        name = headers.get("resultVariable")
        if name:
            result[name] = response
        expression = headers.get("resultExpression")
        if expression:
            result.update(
                _variables(
                    _evaluate(expression, {"response": response}, "resultExpression"),
                    "resultExpression",
                )
            )
    backoff = parse_backoff(headers.get("retryBackoff"))
    error_expression = headers.get("errorExpression")
    if error_expression:
        context: dict[str, Any] = {**job.variables, **result, "response": response}
        if outcome.failed is not None:
            context["error"] = {
                "code": outcome.failed.code,
                "message": redact(outcome.failed.message),
                "response": to_python(outcome.failed.response),
            }
        context["bpmnError"] = _bpmn_error
        context["jobError"] = _job_error
        decided = to_python(_evaluate(error_expression, context, "errorExpression"))
        if isinstance(decided, dict) and decided:
            _raise(decided, backoff, redact)
    if outcome.failed is not None:
        failed = outcome.failed
        raise JobFailure(
            redact(f"{failed.code}: {failed.message}"),
            retries=None if failed.retryable else 0,
            backoff=backoff,
        )
    return result


def _raise(decided: dict[str, Any], backoff: dt.timedelta | None, redact: Any) -> None:
    kind = decided.get(_ERROR_TYPE, "bpmnError")
    message = redact(str(decided.get("message") or ""))
    if kind == "jobError":
        own = parse_backoff(decided.get("retryBackoff"), "errorExpression: jobError retryBackoff")
        raise JobFailure(
            message or "the error expression failed the job",
            retries=_int(decided.get("retries")),
            backoff=own or backoff,
        )
    code = decided.get("code")
    if code is None or str(code) == "":
        raise ConnectorError("errorExpression", "bpmnError needs an error code")
    raise BpmnError(
        str(code), message, _variables(decided.get("variables"), "errorExpression variables")
    )
