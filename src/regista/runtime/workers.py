"""Service-task handlers written in Python, registered by job type.

    >>> workers = Workers()
    >>> @workers.worker("payment")
    ... def charge(job: ActivatedJob) -> dict[str, object]:
    ...     return {"paid": job.variables["amount"] > 0}

A handler gets an `ActivatedJob` (Camunda's name for a job handed to a worker) and returns
the variables to set (or None); raising `BpmnError` throws a BPMN error the model can
catch, any other exception fails the job (one retry fewer; at none left the instance gets
an incident). There is no global registry: `worker(type)` only
marks a function, and `Workers.collect`/`Workers.from_module` gather the marked ones.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, TypeVar

__all__ = [
    "ActivatedJob",
    "BpmnError",
    "Handler",
    "JobFailure",
    "WorkResult",
    "WorkerLoadError",
    "Workers",
    "load_workers",
    "perform",
    "worker",
]

_MARK = "__regista_job_type__"


@dataclass(frozen=True, slots=True)
class ActivatedJob:
    """One unit of work for a worker: the variables (plain Python) and headers of the task."""

    id: str
    type: str
    instance_id: str
    element_id: str
    element_instance_id: str
    variables: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    retries: int = 3
    process_id: str = ""
    business_key: str | None = None


class BpmnError(Exception):
    """Raised by a handler to throw the BPMN error `code`; an error boundary event or event
    subprocess catching that code takes over, else the instance gets an incident."""

    def __init__(
        self, code: str, message: str = "", variables: Mapping[str, Any] | None = None
    ) -> None:
        self.code = code
        self.message = message
        self.variables: dict[str, Any] = dict(variables or {})
        super().__init__(f"{code}: {message}" if message else code)


class JobFailure(Exception):
    """Raised by a handler to fail the job saying how many `retries` are left and how long
    to wait before the next try (`backoff`), as Camunda's job failure does; any other
    exception fails the job with one retry fewer after the runtime's back-off."""

    def __init__(
        self, message: str, *, retries: int | None = None, backoff: dt.timedelta | None = None
    ) -> None:
        self.message = message
        self.retries = retries
        self.backoff = backoff
        super().__init__(message)


Handler = Callable[[ActivatedJob], Mapping[str, Any] | None]
_H = TypeVar("_H", bound=Callable[..., Any])


def worker(job_type: str) -> Callable[[_H], _H]:
    """Mark a function as the handler of `job_type` jobs; `Workers.collect` or
    `Workers.from_module` (and so `regista run --worker`) register it."""
    if not job_type:
        raise ValueError("a worker needs a job type, e.g. @worker('payment')")

    def mark(fn: _H) -> _H:
        setattr(fn, _MARK, job_type)
        return fn

    return mark


@dataclass(frozen=True, slots=True)
class WorkResult:
    """What a worker made of a job: "completed" with `variables`, "error" (a BPMN error
    `code`) or "failed" with a `message`. A failure may say how many `retries` are left
    (as Camunda's job failure does); None means one fewer than the job had. `backoff` is
    how long to wait before the retry (None: the runtime's policy)."""

    kind: Literal["completed", "error", "failed"]
    variables: Mapping[str, Any] = field(default_factory=dict)
    code: str = ""
    message: str = ""
    retries: int | None = None
    backoff: dt.timedelta | None = None
    details: str | None = None
    """Of a failure: what the worker says beside the message (a stack trace)."""


def perform(handler: Handler, job: ActivatedJob) -> WorkResult:
    """Run `handler` on `job`, turning whatever it does into a `WorkResult`."""
    try:
        result = handler(job)
    except BpmnError as error:
        return WorkResult("error", error.variables, error.code, error.message)
    except JobFailure as failure:
        return WorkResult(
            "failed", message=failure.message, retries=failure.retries, backoff=failure.backoff
        )
    except Exception as exc:  # a worker may fail in any way; the job then fails
        return WorkResult("failed", message=f"{type(exc).__name__}: {exc}")
    if result is not None and not isinstance(result, Mapping):
        return WorkResult(
            "failed",
            message=f"the worker for '{job.type}' returned {type(result).__name__}; return "
            "a dict of variables or None",
        )
    return WorkResult("completed", dict(result or {}))


class WorkerLoadError(ValueError):
    """A worker module could not be imported or holds no handlers."""


class Workers:
    """Handlers by job type, passed explicitly to the runtime that runs them."""

    def __init__(self, handlers: Mapping[str, Handler] | None = None) -> None:
        self._handlers: dict[str, Handler] = dict(handlers or {})

    def __contains__(self, job_type: object) -> bool:
        return job_type in self._handlers

    def __len__(self) -> int:
        return len(self._handlers)

    def __repr__(self) -> str:
        return f"Workers({sorted(self._handlers)!r})"

    @property
    def types(self) -> list[str]:
        """The job types handled, sorted."""
        return sorted(self._handlers)

    def register(self, job_type: str, handler: Handler) -> None:
        """Handle `job_type` jobs with `handler` (replacing an earlier one)."""
        self._handlers[job_type] = handler

    def worker(self, job_type: str) -> Callable[[_H], _H]:
        """Decorator: register the function as the handler of `job_type` jobs."""

        def register(fn: _H) -> _H:
            worker(job_type)(fn)
            self.register(job_type, fn)
            return fn

        return register

    def handler(self, job_type: str) -> Handler | None:
        """The handler of `job_type`, or None."""
        return self._handlers.get(job_type)

    def update(self, other: Workers) -> None:
        """Add every handler of `other` (its handlers win on the same type)."""
        self._handlers.update(other._handlers)

    def collect(self, functions: Iterable[object]) -> int:
        """Register every function marked with `@worker(type)`; returns how many."""
        count = 0
        for fn in functions:
            job_type = getattr(fn, _MARK, None)
            if isinstance(job_type, str) and callable(fn):
                self.register(job_type, fn)
                count += 1
        return count

    @classmethod
    def from_module(cls, module: ModuleType) -> Workers:
        """Every `Workers` object in the module, plus its functions marked `@worker`."""
        found = cls()
        values = list(vars(module).values())
        for value in values:
            if isinstance(value, Workers):
                found.update(value)
        found.collect(values)
        return found


def load_workers(spec: str) -> Workers:
    """The workers of a module given by dotted name or by path to a `.py` file."""
    module: ModuleType
    try:
        if spec.endswith(".py") or "/" in spec or "\\" in spec:
            path = Path(spec)
            if not path.is_file():
                raise WorkerLoadError(f"no such worker file: {spec}")
            name = f"regista_workers_{path.stem}"
            loader_spec = importlib.util.spec_from_file_location(name, path)
            if loader_spec is None or loader_spec.loader is None:
                raise WorkerLoadError(f"cannot import {spec} as a Python module")
            module = importlib.util.module_from_spec(loader_spec)
            sys.modules[name] = module
            loader_spec.loader.exec_module(module)
        else:
            if "" not in sys.path:
                sys.path.insert(0, "")
            module = importlib.import_module(spec)
    except WorkerLoadError:
        raise
    except Exception as exc:  # the user's module may fail in any way on import
        raise WorkerLoadError(
            f"cannot import the worker module {spec}: {type(exc).__name__}: {exc}"
        ) from exc
    found = Workers.from_module(module)
    if not len(found):
        raise WorkerLoadError(
            f"the module {spec} has no workers: decorate functions with @worker('type') "
            "or define `workers = Workers()` and use @workers.worker('type')"
        )
    return found
