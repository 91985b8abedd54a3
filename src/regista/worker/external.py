"""`ExternalWorker`: the `@worker` handlers of the engine, run in another process over the
`/v2` job API.

    >>> bot = ExternalWorker("http://localhost:8080", workers, auth=("bot", "pw"))  # doctest: +SKIP
    >>> bot.serve()            # until SIGTERM / SIGINT                         doctest: +SKIP

One thread per job type long-polls `POST /v2/jobs/activation` for as many jobs as there
are free slots (`concurrency` in all); a pool of threads runs the handlers, each job
activated with a lease token that its report carries, so a report after the lease was
taken over is refused rather than applied twice. While a handler runs, a heartbeat
extends its lease (`PATCH /v2/jobs/{key}` with a new timeout) every third of the lease. A
handler's exception fails the job (one retry fewer, retried after `retry_backoff`); a
`BpmnError` throws the BPMN error. Connection errors back off exponentially up to
`max_backoff`. `stop` (SIGTERM) stops activating, lets running handlers finish and report
(up to `grace` seconds), and hands back jobs activated but not started (a failure that
keeps their retries, with no back-off, so another worker takes them at once).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import httpx

from regista.runtime.workers import ActivatedJob, Handler, Workers, WorkResult, perform

__all__ = ["ExternalWorker", "WorkerError"]

log = logging.getLogger("regista.worker")


class WorkerError(RuntimeError):
    """The server refused the worker (bad credentials, missing role)."""


@dataclass(eq=False)
class _Running:
    key: str
    token: str | None
    renewed: float = field(default_factory=time.monotonic)


def _run_handler(handler: Handler, job: ActivatedJob) -> Mapping[str, Any] | None:
    result: Any = handler(job)
    if inspect.isawaitable(result):

        async def wait() -> Any:
            return await result

        result = asyncio.run(wait())
    return result  # type: ignore[no-any-return]


class ExternalWorker:
    """Runs `workers` (or a mapping of job type to handler) against a Regista server (see
    the module docstring). `auth` is a (user, password) pair for HTTP Basic, `api_key` a
    bearer key; `lease`, `poll`, `retry_backoff`, `max_backoff` and `grace` are seconds."""

    def __init__(
        self,
        url: str,
        workers: Workers | Mapping[str, Handler],
        *,
        auth: tuple[str, str] | None = None,
        api_key: str | None = None,
        name: str | None = None,
        concurrency: int = 4,
        lease: float = 60.0,
        poll: float = 30.0,
        retry_backoff: float = 1.0,
        max_backoff: float = 30.0,
        grace: float = 30.0,
        fetch_variables: list[str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.workers = workers if isinstance(workers, Workers) else Workers(dict(workers))
        if not len(self.workers):
            raise ValueError("an external worker needs at least one handler")
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.concurrency = max(concurrency, 1)
        self.lease = max(lease, 1.0)
        self.poll = max(poll, 0.0)
        self.retry_backoff = max(retry_backoff, 0.0)
        self.max_backoff = max(max_backoff, 0.1)
        self.grace = grace
        self.fetch_variables = fetch_variables
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http_options: dict[str, Any] = {
            "base_url": url.rstrip("/"),
            "auth": httpx.BasicAuth(*auth) if auth else None,
            "headers": headers,
            "transport": transport,
            "timeout": httpx.Timeout(30.0, read=self.poll + 30.0),
        }
        self._http = self._client()
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="regista-job")
        self._slots = threading.Semaphore(self.concurrency)
        self._running: dict[str, _Running] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._idle = threading.Condition(self._lock)
        self.done = 0
        """Jobs reported so far (completed, failed or errored)."""
        self.error: WorkerError | None = None
        """Why the worker stopped by itself (the server refused it), if it did."""

    def _client(self) -> httpx.Client:
        options = {k: v for k, v in self._http_options.items() if v is not None}
        return httpx.Client(**options)

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Start polling for every job type and the heartbeat."""
        self._stopping.clear()
        for job_type in self.workers.types:
            self._spawn(lambda t=job_type: self._poll_loop(t), f"regista-poll-{job_type}")
        self._spawn(self._heartbeat, "regista-heartbeat")

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def stop(self, grace: float | None = None) -> None:
        """Stop activating, let running handlers finish and report (up to `grace`
        seconds), then close the connections."""
        self._stopping.set()
        deadline = time.monotonic() + (self.grace if grace is None else grace)
        with self._idle:
            while self._running and time.monotonic() < deadline:
                self._idle.wait(min(0.1, max(deadline - time.monotonic(), 0.001)))
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._http.close()  # a long poll in flight ends now
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads = []

    def serve(self, *, install_signals: bool = True) -> None:
        """Start and run until SIGTERM or SIGINT (or `stop` from another thread); raises
        `WorkerError` when the server refused the worker."""
        if install_signals:

            def handle(signum: int, frame: FrameType | None) -> None:
                log.info("signal %d: stopping", signum)
                self._stopping.set()

            signal.signal(signal.SIGTERM, handle)
            signal.signal(signal.SIGINT, handle)
        self.start()
        try:
            while not self._stopping.wait(0.5):
                pass
        finally:
            self.stop()
        if self.error is not None:
            raise self.error

    @property
    def busy(self) -> int:
        """Jobs running now."""
        with self._lock:
            return len(self._running)

    # -- activation -------------------------------------------------------------------------

    def _poll_loop(self, job_type: str) -> None:
        failures = 0
        while not self._stopping.is_set():
            if not self._slots.acquire(timeout=0.5):
                continue
            free = 1
            while free < self.concurrency and self._slots.acquire(blocking=False):
                free += 1
            try:
                jobs = self._activate(job_type, free)
            except WorkerError as exc:
                self._slots.release(free)
                log.error("the server refused the worker; stopping")
                self.error = exc
                self._stopping.set()
                return
            except (httpx.HTTPError, ValueError) as exc:
                self._slots.release(free)
                if self._stopping.is_set():
                    return
                failures += 1
                delay = min(0.5 * 2 ** min(failures - 1, 16), self.max_backoff)
                log.warning("activating %r jobs failed (%s); again in %.1f s", job_type, exc, delay)
                self._stopping.wait(delay)
                continue
            failures = 0
            if len(jobs) < free:
                self._slots.release(free - len(jobs))
            for job in jobs:
                if self._stopping.is_set():
                    self._hand_back(job)
                    self._slots.release()
                    continue
                running = _Running(str(job["jobKey"]), job.get("jobLeaseToken"))
                with self._lock:
                    self._running[running.key] = running
                self._pool.submit(self._work, job, running)

    def _activate(self, job_type: str, count: int) -> list[dict[str, Any]]:
        body: dict[str, Any] = {
            "type": job_type,
            "worker": self.name,
            "timeout": int(self.lease * 1000),
            "maxJobsToActivate": count,
            "requestTimeout": int(self.poll * 1000) if self.poll > 0 else -1,
            "withLease": True,
        }
        if self.fetch_variables is not None:
            body["fetchVariable"] = self.fetch_variables
        response = self._http.post("/v2/jobs/activation", json=body)
        if response.status_code in (401, 403):
            raise WorkerError(f"the server refused the worker: {_detail(response)}")
        response.raise_for_status()
        jobs: list[dict[str, Any]] = response.json()["jobs"]
        return jobs

    # -- running ----------------------------------------------------------------------------

    def _work(self, job: dict[str, Any], running: _Running) -> None:
        try:
            handler = self.workers.handler(str(job["type"]))
            activated = ActivatedJob(
                id=running.key,
                type=str(job["type"]),
                instance_id=str(job["processInstanceKey"]),
                element_id=str(job["elementId"]),
                element_instance_id=str(job["elementInstanceKey"]),
                variables=dict(job.get("variables") or {}),
                headers={str(k): str(v) for k, v in (job.get("customHeaders") or {}).items()},
                retries=int(job.get("retries", 1)),
                process_id=str(job.get("processDefinitionId", "")),
                business_key=job.get("businessId"),
            )
            if handler is None:
                result = WorkResult("failed", message=f"no handler for {activated.type!r}")
            else:
                result = perform(lambda j: _run_handler(handler, j), activated)
            self._report(running, result, activated.retries)
        except Exception:
            log.exception("job %s could not be run or reported", running.key)
        finally:
            with self._idle:
                self._running.pop(running.key, None)
                self._idle.notify_all()
            self._slots.release()

    def _report(self, running: _Running, result: WorkResult, retries: int) -> None:
        key, token = running.key, running.token
        if result.kind == "completed":
            path = f"/v2/jobs/{key}/completion"
            body: dict[str, Any] = {"variables": dict(result.variables)}
        elif result.kind == "error":
            path = f"/v2/jobs/{key}/error"
            body = {
                "errorCode": result.code,
                "errorMessage": result.message,
                "variables": dict(result.variables),
            }
        else:
            path = f"/v2/jobs/{key}/failure"
            body = {
                "retries": max(retries - 1, 0) if result.retries is None else result.retries,
                "errorMessage": result.message,
                "retryBackOff": int(self.retry_backoff * 1000),
            }
        if token:
            body["jobLeaseToken"] = token
        for attempt in range(1, 6):
            try:
                response = self._http.post(path, json=body)
            except httpx.TransportError as exc:
                if attempt == 5:
                    log.warning("job %s: the report could not be sent (%s)", key, exc)
                    return
                time.sleep(min(0.2 * 2**attempt, self.max_backoff))
                continue
            if response.status_code >= 400:
                detail = _detail(response)
                log.warning("job %s: the server refused the report: %s", key, detail)
            else:
                with self._lock:
                    self.done += 1
            return

    def _hand_back(self, job: dict[str, Any]) -> None:
        """Give back a job activated while stopping: a failure that keeps its retries."""
        body: dict[str, Any] = {
            "retries": int(job.get("retries", 1)),
            "errorMessage": "the worker stopped before starting the job",
            "retryBackOff": 0,
        }
        if job.get("jobLeaseToken"):
            body["jobLeaseToken"] = job["jobLeaseToken"]
        try:
            self._http.post(f"/v2/jobs/{job['jobKey']}/failure", json=body)
        except httpx.HTTPError as exc:  # the lease runs out instead
            log.warning("job %s could not be handed back: %s", job["jobKey"], exc)

    def _heartbeat(self) -> None:
        interval = self.lease / 3
        while not self._stopping.wait(min(interval, 1.0)):
            now = time.monotonic()
            with self._lock:
                due = [r for r in self._running.values() if now - r.renewed >= interval]
            for running in due:
                try:
                    body: dict[str, Any] = {"changeset": {"timeout": int(self.lease * 1000)}}
                    if running.token:  # fenced: never extends another activation's lease
                        body["jobLeaseToken"] = running.token
                    response = self._http.patch(f"/v2/jobs/{running.key}", json=body)
                except httpx.HTTPError as exc:
                    log.warning("job %s: could not extend the lease: %s", running.key, exc)
                    continue
                running.renewed = now
                if response.status_code >= 400:
                    log.warning("job %s: lease not extended: %s", running.key, _detail(response))


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code} {response.text[:200]}"
    if isinstance(body, dict) and "detail" in body:
        return f"{response.status_code} {body['detail']}"
    return f"{response.status_code} {response.text[:200]}"
