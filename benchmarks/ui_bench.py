"""The web UI's page times with many instances in the database: each main page's server
time (median and p95 over `--repeat` requests) on a SQLite database holding `--instances`
process instances — mostly completed, some waiting at a user task, some with an incident.
Goal (issue 14): every page under 300 ms with 100,000 instances. The Insight page's
analyses (its fragment, asked by the browser once the page is shown) run eight analyses
over the history's steps, copied with the instances: their time is listed apart.

Run: `python benchmarks/ui_bench.py [--instances 100000] [--repeat 20] [--json]`.

The database is filled by copying three template instances with SQL (a completed one, one
waiting at its user task, one whose job failed into an incident), with numeric ids as the
engine gives them, then `ANALYZE`; a real `regista server` (auth none: the session check
is one token verification, the same for every page) serves it. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from api_bench import server
from regista.bpmn import ProcessBuilder, to_xml

#: Shares of the instances: completed, waiting at the user task, with an incident.
SHARES = (0.80, 0.15, 0.05)
#: Copies get ids from here on (above any id the engine gave the templates).
FIRST_ID = 9_000_000_000

_COPIES = {
    "instances": """INSERT INTO instances (id, definition_id, process_id, business_key, status,
        state, version, parent_instance_id, parent_element_instance_id, idempotency_key,
        started_at, ended_at, updated_at)
    SELECT printf('%d', :offset + s.n), t.definition_id, t.process_id,
        printf('BK-%d', :offset + s.n), t.status, t.state, t.version, NULL, NULL, NULL,
        strftime('%Y-%m-%dT%H:%M:%f000Z', :base, '+' || (s.n / 100.0) || ' seconds'),
        CASE WHEN t.ended_at IS NULL THEN NULL ELSE
        strftime('%Y-%m-%dT%H:%M:%f000Z', :base, '+' || (s.n / 100.0 + 5) || ' seconds') END,
        t.updated_at
    FROM instances t, bench_series s WHERE t.id = :template""",
    "history": """INSERT INTO history (instance_id, seq, ts, actor, command, events, hash)
    SELECT printf('%d', :offset + s.n), h.seq, h.ts, h.actor, h.command, h.events, h.hash
    FROM history h, bench_series s WHERE h.instance_id = :template""",
    "jobs": """INSERT INTO jobs (id, instance_id, element_id, element_instance_id, type,
        retries, attempt, status, lease_owner, lease_until, due_at, variables, headers,
        error, created_at, completed_at)
    SELECT printf('%d', :offset + 500000000 + s.n), printf('%d', :offset + s.n), j.element_id,
        j.element_instance_id, j.type, j.retries, j.attempt, j.status, NULL, NULL, j.due_at,
        j.variables, j.headers, j.error, j.created_at, j.completed_at
    FROM jobs j, bench_series s WHERE j.instance_id = :template""",
    "user_tasks": """INSERT INTO user_tasks (id, instance_id, element_id, element_instance_id,
        name, assignee, candidate_users, candidate_groups, due_at, follow_up_at, form_key,
        status, variables, created_at, completed_at, completed_by, priority)
    SELECT printf('%d', :offset + 700000000 + s.n), printf('%d', :offset + s.n), u.element_id,
        u.element_instance_id, u.name, u.assignee, u.candidate_users, u.candidate_groups,
        u.due_at, u.follow_up_at, u.form_key, u.status, u.variables,
        strftime('%Y-%m-%dT%H:%M:%f000Z', :base, '+' || (s.n / 100.0) || ' seconds'),
        u.completed_at, u.completed_by, (s.n % 100)
    FROM user_tasks u, bench_series s WHERE u.instance_id = :template""",
    "incidents": """INSERT INTO incidents (id, instance_id, element_id, element_instance_id,
        job_id, message, created_at, resolved_at, error_type)
    SELECT printf('%d', :offset + 800000000 + s.n), printf('%d', :offset + s.n), i.element_id,
        i.element_instance_id, printf('%d', :offset + 500000000 + s.n), i.message,
        strftime('%Y-%m-%dT%H:%M:%f000Z', :base, '+' || (s.n / 100.0) || ' seconds'),
        i.resolved_at, i.error_type
    FROM incidents i, bench_series s WHERE i.instance_id = :template""",
    # the steps process intelligence reads (the Insight page), moved to the copy's start
    "steps": """INSERT INTO steps (instance_id, element_instance_id, definition_id, process_id,
        version, case_start, element_id, element_type, flow, ord, rep, scheduled, started,
        ended, state, worker, resource, error_code)
    SELECT printf('%d', :offset + s.n), st.element_instance_id, st.definition_id,
        st.process_id, st.version, d.start + s.n / 100.0, st.element_id, st.element_type,
        st.flow, st.ord, st.rep, st.scheduled + d.start + s.n / 100.0 - st.case_start,
        st.started + d.start + s.n / 100.0 - st.case_start,
        st.ended + d.start + s.n / 100.0 - st.case_start, st.state, st.worker, st.resource,
        st.error_code
    FROM steps st, bench_series s,
        (SELECT CAST(strftime('%s', :base) AS REAL) AS start) AS d
    WHERE st.instance_id = :template""",
}


CLAIM = (
    ProcessBuilder("claim", name="Insurance claim")
    .start("received")
    .user_task("assess", name="Assess the claim")
    .service_task("pay", type="payout")
    .end("paid")
)


def _ok(answer: httpx.Response) -> Any:
    if answer.status_code >= 300:
        raise RuntimeError(f"{answer.request.url}: {answer.status_code} {answer.text}")
    return answer.json() if answer.content else None


def templates(http: httpx.Client) -> tuple[str, str, str]:
    """Three instances made through the API: completed, at its user task, with an
    incident (its job failed with no retries left)."""
    xml = to_xml(CLAIM.build())
    files = [("resources", ("claim.bpmn", xml, "text/xml"))]
    _ok(http.post("/v2/deployments", files=files))

    def start(amount: int) -> str:
        body = {"processDefinitionId": "claim", "variables": {"amount": amount}}
        return str(_ok(http.post("/v2/process-instances", json=body))["processInstanceKey"])

    def finish_task(instance: str) -> None:
        flt = {"filter": {"processInstanceKey": instance}}
        (task,) = _ok(http.post("/v2/user-tasks/search", json=flt))["items"]
        path = f"/v2/user-tasks/{task['userTaskKey']}/completion"
        _ok(http.post(path, json={"variables": {"approved": True}}))

    def job() -> str:
        body = {"type": "payout", "worker": "bench", "timeout": 60000, "maxJobsToActivate": 1}
        (found,) = _ok(http.post("/v2/jobs/activation", json=body))["jobs"]
        return str(found["jobKey"])

    done = start(100)
    finish_task(done)
    _ok(http.post(f"/v2/jobs/{job()}/completion", json={"variables": {"paid": True}}))
    waiting = start(200)
    failing = start(300)
    finish_task(failing)
    failure = {"retries": 0, "errorMessage": "the payment service refused: account closed"}
    _ok(http.post(f"/v2/jobs/{job()}/failure", json=failure))
    return done, waiting, failing


def fill(path: Path, count: int, found: tuple[str, str, str]) -> float:
    """Copy the templates `count` times in all, by SHARES; returns the seconds taken."""
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None, timeout=60)
    try:
        offset = FIRST_ID
        for template, share in zip(found, SHARES, strict=True):
            n = int(count * share)
            for first in range(0, n, 50_000):
                last = min(first + 50_000, n) - 1
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("CREATE TEMP TABLE IF NOT EXISTS bench_series (n INTEGER)")
                conn.execute("DELETE FROM bench_series")
                conn.execute(
                    "INSERT INTO bench_series WITH RECURSIVE r(n) AS (SELECT ? UNION ALL "
                    "SELECT n + 1 FROM r WHERE n < ?) SELECT n FROM r",
                    (first, last),
                )
                params = {"offset": offset, "base": "2026-01-01 00:00:00", "template": template}
                for sql in _COPIES.values():
                    conn.execute(sql, params)
                conn.execute("COMMIT")
            offset += n
        conn.execute("ANALYZE")
    finally:
        conn.close()
    return time.perf_counter() - started


def time_page(http: httpx.Client, path: str, repeat: int) -> dict[str, Any]:
    """Median and p95 of `repeat` loads of `path` (after one to warm caches)."""
    first = http.get(path)
    if first.status_code != 200:
        return {"path": path, "status": first.status_code}
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = http.get(path)
        times.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    times.sort()
    return {
        "path": path,
        "status": 200,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "bytes": len(first.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ui.db"
        with server(f"sqlite:///{path}") as base, httpx.Client(base_url=base, timeout=60) as http:
            filled = fill(path, args.instances, templates(http))
            found = http.post(
                "/v2/process-instances/search",
                json={"filter": {"hasIncident": True}, "page": {"limit": 1}},
            ).json()
            instance = found["items"][0]["processInstanceKey"] if found["items"] else ""
            definition = found["items"][0]["processDefinitionKey"] if found["items"] else ""
            tasks = http.post("/v2/user-tasks/search", json={"page": {"limit": 1}}).json()
            task = tasks["items"][0]["userTaskKey"] if tasks["items"] else ""
            pages = [
                "/ui/",
                "/ui/definitions",
                f"/ui/definitions/{definition}",
                "/ui/instances",
                "/ui/instances?state=ACTIVE",
                f"/ui/instances/{instance}",
                "/ui/incidents",
                "/ui/jobs",
                "/ui/decisions",
                "/ui/tasks?view=all",
                "/ui/tasks?view=all&sort=priority",
                f"/ui/tasks/{task}",
                # the Insight page, then the analyses its browser asks for: eight over
                # every step of the process in scope (issue 14)
                "/ui/insight/claim",
                "/ui/fragments/insight/claim?bucket=day",
                "/ui/fragments/insight/claim?version=1&since=2026-01-01T00:10&bucket=hour",
            ]
            results = [time_page(http, page, args.repeat) for page in pages]
    report = {
        "instances": args.instances,
        "fill_seconds": round(filled, 1),
        "goal_ms": 300,
        "pages": results,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{args.instances:,} instances (filled in {filled:.1f} s); goal < 300 ms per page")
    for row in results:
        if row["status"] != 200:
            print(f"  {row['path']:<40} HTTP {row['status']}")
        else:
            flag = "" if row["p95_ms"] < 300 else "  over the goal"
            print(
                f"  {row['path']:<40} median {row['median_ms']:7.1f} ms   "
                f"p95 {row['p95_ms']:7.1f} ms{flag}"
            )


if __name__ == "__main__":
    main()
