"""A job worker written with the official Camunda 8 Python SDK, as its users write one:
run as a separate process by the acceptance test against a real `regista server`.

It takes the server's address and credentials from the SDK's environment variables
(CAMUNDA_REST_ADDRESS, CAMUNDA_AUTH_STRATEGY, CAMUNDA_BASIC_AUTH_*), handles "charge"
jobs with a lease (a negative amount throws the BPMN error DECLINED) until SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from camunda_orchestration_sdk import CamundaAsyncClient, JobError, WorkerConfig


async def charge(job: Any) -> dict[str, Any]:
    amount = job.variables.to_dict()["amount"]
    if amount < 0:
        raise JobError("DECLINED", "negative amount", {"why": "sdk"})
    return {"charged": amount, "jobKey": str(job.job_key), "worker": job.worker}


async def main() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with CamundaAsyncClient() as client:
        config = WorkerConfig(
            job_type="charge",
            job_timeout_milliseconds=30_000,
            request_timeout_milliseconds=5_000,
            worker_name="sdk-worker",
            with_lease=True,
        )
        client.create_job_worker(config, charge, execution_strategy="async")
        runner = asyncio.create_task(client.run_workers())  # type: ignore[no-untyped-call]
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({runner, stopping}, return_when=asyncio.FIRST_COMPLETED)
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        if not stop.is_set():
            raise SystemExit("the SDK's workers stopped by themselves")
    print("stopped", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
