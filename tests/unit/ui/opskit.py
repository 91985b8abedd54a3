"""Helpers of the operators' page tests: incidents and failed jobs made through the API as
the administrator."""

from __future__ import annotations

from typing import Any

import httpx

from regista.bpmn import ProcessBuilder

from .uikit import USERS, UiServed


def admin(served: UiServed) -> httpx.Client:
    """The API as the administrator (basic authentication)."""
    return httpx.Client(base_url=served.url, auth=("root", USERS["root"][0]), timeout=60)


def charging() -> ProcessBuilder:
    """One service task of job type `charge`."""
    return (
        ProcessBuilder("charging", name="Charging")
        .start()
        .service_task("charge", type="charge")
        .end()
    )


def gateway() -> ProcessBuilder:
    """An exclusive gateway whose one condition fails when `x` is not above 1."""
    return (
        ProcessBuilder("gateway").start().exclusive_gateway("choose").condition("=x > 1").end("big")
    )


def fail_jobs(
    http: httpx.Client, job_type: str, retries: int, message: str
) -> list[dict[str, Any]]:
    """Activate every job of `job_type` and report each failed with `retries` left."""
    body = {"type": job_type, "worker": "w1", "timeout": 60_000, "maxJobsToActivate": 100}
    jobs: list[dict[str, Any]] = http.post(
        "/v2/jobs/activation", json={**body, "requestTimeout": -1}
    ).json()["jobs"]
    for job in jobs:
        failure = {"retries": retries, "errorMessage": message, "retryBackOff": 3_600_000}
        answer = http.post(f"/v2/jobs/{job['jobKey']}/failure", json=failure)
        assert answer.status_code == 204, answer.text
    return jobs
