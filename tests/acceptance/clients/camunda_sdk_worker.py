"""A job worker written with the official Camunda 8 Python SDK, as its users write one:
run as a separate process by the acceptance test against a real `regista server`.

It takes the server's address and credentials from the SDK's environment variables
(CAMUNDA_REST_ADDRESS, CAMUNDA_AUTH_STRATEGY, CAMUNDA_BASIC_AUTH_*), deploys the BPMN
file named by its first argument, starts one instance of process "payment" per amount that
follows (printing each instance's key), and handles "charge" jobs with a lease (a negative
amount throws the BPMN error DECLINED) until SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

from camunda_orchestration_sdk import CamundaAsyncClient, JobError, WorkerConfig
from camunda_orchestration_sdk.models.process_creation_by_id import ProcessCreationById
from camunda_orchestration_sdk.models.process_instance_creation_instruction_base_variables import (
    ProcessInstanceCreationInstructionBaseVariables as Variables,
)
from camunda_orchestration_sdk.semantic_types import ProcessDefinitionId


async def charge(job: Any) -> dict[str, Any]:
    amount = job.variables.to_dict()["amount"]
    if amount < 0:
        raise JobError("DECLINED", "negative amount", {"why": "sdk"})
    return {"charged": amount, "jobKey": str(job.job_key), "worker": job.worker}


async def main(model: str, amounts: list[int]) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with CamundaAsyncClient() as client:
        await client.deploy_resources_from_files([model])
        for amount in amounts:
            started = await client.create_process_instance(
                data=ProcessCreationById(
                    process_definition_id=ProcessDefinitionId("payment"),
                    variables=Variables.from_dict({"amount": amount}),
                )
            )
            print(f"started {started.process_instance_key}", flush=True)
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
    asyncio.run(main(sys.argv[1], [int(a) for a in sys.argv[2:]]))
