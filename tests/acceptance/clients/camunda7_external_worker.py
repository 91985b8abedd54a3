"""An external task worker written with the official Camunda 7 Python client
(`camunda-external-task-client-python3`), as its users write one: run as a separate process
by the acceptance test against a real `regista server`'s `/engine-rest`.

Arguments: the engine's base URL (`…/engine-rest`), a username and a password (HTTP Basic).
It fetches and locks tasks of the topics "charge" and "ship" until SIGTERM:

- ship: completes with `shipped = true`;
- charge with a negative amount: throws the BPMN error DECLINED (with `why = "c7"`);
- charge with `doomed`: fails every time, with one retry (so the second failure leaves
  no retries: an incident);
- charge with `flaky`: fails its first attempt (three retries), then completes;
- any other charge: completes with `charged` (the amount) and `worker`, and a local
  `receipt`.

Each handled task prints one line: `<topic> <instance id> <what was done>`.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

from camunda.external_task.external_task import ExternalTask, TaskResult
from camunda.external_task.external_task_worker import ExternalTaskWorker, NoExternalTaskFound

attempts: dict[str, int] = {}


def handle(task: ExternalTask) -> TaskResult:
    instance = task.get_process_instance_id()
    if task.get_topic_name() == "ship":
        print(f"ship {instance} completed", flush=True)
        return task.complete({"shipped": True})
    amount = task.get_variable("amount")
    attempts[task.get_task_id()] = attempts.get(task.get_task_id(), 0) + 1
    if amount < 0:
        print(f"charge {instance} bpmn-error", flush=True)
        return task.bpmn_error("DECLINED", "negative amount", {"why": "c7"})
    if task.get_variable("doomed"):
        print(f"charge {instance} failed", flush=True)
        return task.failure("no route to the bank", "stack trace", 1, 0)
    if task.get_variable("flaky") and attempts[task.get_task_id()] == 1:
        print(f"charge {instance} failed", flush=True)
        return task.failure("bank busy", "try again", 3, 0)
    print(f"charge {instance} completed", flush=True)
    return task.complete(
        {"charged": amount, "worker": task.get_worker_id()}, {"receipt": f"r-{amount}"}
    )


def main(base_url: str, username: str, password: str) -> None:
    running = True

    def stop(signum: int, frame: Any) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    config = {
        "maxTasks": 2,
        "lockDuration": 30_000,
        "asyncResponseTimeout": 1_000,
        "auth_basic": {"username": username, "password": password},
    }
    worker = ExternalTaskWorker(worker_id="c7-worker", base_url=base_url, config=config)
    while running:
        try:
            worker.fetch_and_execute(["charge", "ship"], handle)
        except NoExternalTaskFound:
            continue


if __name__ == "__main__":
    main(*sys.argv[1:4])
