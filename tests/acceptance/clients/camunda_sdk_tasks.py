"""A client written with the official Camunda 8 Python SDK that works a user task and
correlates a message, as its users write one: run as a separate process by the acceptance
test against a real `regista server`.

It takes the server's address and credentials from the SDK's environment variables, deploys
the files named by its arguments (process "approval": a user task "approve", then a message
catch event "paid" keyed by `orderId`; process "waiting": a service task nobody works;
process "broken": a gateway whose condition fails; a DMN model), starts an instance for order
A-7, finds its task with a user task search, completes it, correlates the message "paid" and
prints what it saw at each step. Then it reads back with the SDK's searches and gets — whose
answers the SDK checks against the fields Camunda's API requires — and prints how many items
each found.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from camunda_orchestration_sdk import CamundaAsyncClient
from camunda_orchestration_sdk.models.decision_definition_search_query import (
    DecisionDefinitionSearchQuery,
)
from camunda_orchestration_sdk.models.decision_evaluation_by_id import DecisionEvaluationByID
from camunda_orchestration_sdk.models.decision_requirements_search_query import (
    DecisionRequirementsSearchQuery,
)
from camunda_orchestration_sdk.models.element_instance_search_query import (
    ElementInstanceSearchQuery,
)
from camunda_orchestration_sdk.models.incident_search_query import IncidentSearchQuery
from camunda_orchestration_sdk.models.job_search_query import JobSearchQuery
from camunda_orchestration_sdk.models.message_correlation_request import (
    MessageCorrelationRequest,
)
from camunda_orchestration_sdk.models.message_publication_request import (
    MessagePublicationRequest,
)
from camunda_orchestration_sdk.models.process_creation_by_id import ProcessCreationById
from camunda_orchestration_sdk.models.process_definition_search_query import (
    ProcessDefinitionSearchQuery,
)
from camunda_orchestration_sdk.models.process_instance_creation_instruction_base_variables import (
    ProcessInstanceCreationInstructionBaseVariables as Variables,
)
from camunda_orchestration_sdk.models.process_instance_search_query import (
    ProcessInstanceSearchQuery,
)
from camunda_orchestration_sdk.models.signal_broadcast_request import SignalBroadcastRequest
from camunda_orchestration_sdk.models.user_task_completion_request import (
    UserTaskCompletionRequest,
)
from camunda_orchestration_sdk.models.user_task_search_query import UserTaskSearchQuery
from camunda_orchestration_sdk.models.variable_search_query import VariableSearchQuery
from camunda_orchestration_sdk.semantic_types import ProcessDefinitionId, UserTaskKey


async def main(models: list[str]) -> None:
    async with CamundaAsyncClient() as client:
        await client.deploy_resources_from_files(list[str | Path](models))
        started = await client.create_process_instance(
            data=ProcessCreationById(
                process_definition_id=ProcessDefinitionId("approval"),
                variables=Variables.from_dict({"orderId": "A-7"}),
            )
        )
        key = str(started.process_instance_key)
        print(f"started {key}", flush=True)
        query = UserTaskSearchQuery.from_dict(
            {"filter": {"processInstanceKey": key, "state": "CREATED"}}
        )
        found = await client.search_user_tasks(data=query)
        items = list(found.items or [])
        if len(items) != 1:
            raise SystemExit(f"expected one open task of {key}, found {len(items)}")
        task = items[0]
        print(f"task {task.user_task_key} {task.element_id}", flush=True)
        await client.complete_user_task(
            task.user_task_key,
            data=UserTaskCompletionRequest.from_dict({"variables": {"approved": True}}),
        )
        print("completed", flush=True)
        correlated = await client.correlate_message(
            data=MessageCorrelationRequest.from_dict(
                {"name": "paid", "correlationKey": "A-7", "variables": {"paidBy": "sdk"}}
            )
        )
        print(f"correlated {correlated.process_instance_key}", flush=True)
        instance = await client.get_process_instance(started.process_instance_key)
        print(f"state {instance.state}", flush=True)
        for other, variables in (("waiting", {}), ("broken", {"x": 0})):
            await client.create_process_instance(
                data=ProcessCreationById(
                    process_definition_id=ProcessDefinitionId(other),
                    variables=Variables.from_dict(variables),
                )
            )
        await reads(client, key, str(task.user_task_key))


async def reads(client: CamundaAsyncClient, key: str, task_key: str) -> None:
    """Every search and get a client of these resources makes, parsed by the SDK."""
    of_instance = {"filter": {"processInstanceKey": key}}
    found: dict[str, Any] = {
        "instances": await client.search_process_instances(
            data=ProcessInstanceSearchQuery.from_dict({})
        ),
        "definitions": await client.search_process_definitions(
            data=ProcessDefinitionSearchQuery.from_dict({})
        ),
        "elements": await client.search_element_instances(
            data=ElementInstanceSearchQuery.from_dict(of_instance)
        ),
        "variables": await client.search_variables(data=VariableSearchQuery.from_dict(of_instance)),
        "incidents": await client.search_incidents(data=IncidentSearchQuery.from_dict({})),
        "jobs": await client.search_jobs(data=JobSearchQuery.from_dict({})),
        "decisions": await client.search_decision_definitions(
            data=DecisionDefinitionSearchQuery.from_dict({})
        ),
        "requirements": await client.search_decision_requirements(
            data=DecisionRequirementsSearchQuery.from_dict({})
        ),
        "tasks": await client.search_user_tasks(data=UserTaskSearchQuery.from_dict(of_instance)),
    }
    for name, result in found.items():
        print(f"read {name} {len(result.items or [])}", flush=True)
    definition = found["definitions"].items[0]
    await client.get_process_definition(definition.process_definition_key)
    task = await client.get_user_task(UserTaskKey(task_key))
    incident = found["incidents"].items[0]
    print(f"got {task.state} {incident.error_type}", flush=True)
    topology = await client.get_topology()
    decided = await client.evaluate_decision(
        data=DecisionEvaluationByID.from_dict(
            {"decisionDefinitionId": "discount", "variables": {"customerType": "gold"}}
        )
    )
    rules = decided.evaluated_decisions[0].matched_rules
    print(f"topology {topology.gateway_version} decided {decided.output} {rules[0].rule_id}")
    decision = found["decisions"].items[0]
    await client.get_decision_definition(decision.decision_definition_key)
    await client.get_decision_requirements(decision.decision_requirements_key)
    await client.get_incident(incident.incident_key)
    published = await client.publish_message(
        data=MessagePublicationRequest.from_dict(
            {"name": "nobody-waits", "correlationKey": "k", "timeToLive": 1000}
        )
    )
    signalled = await client.broadcast_signal(
        data=SignalBroadcastRequest.from_dict({"signalName": "nobody-listens"})
    )
    waiting = next(i for i in found["instances"].items if i.process_definition_id == "waiting")
    # (without a body the SDK fails to serialise its "unset" one)
    await client.cancel_process_instance(waiting.process_instance_key, data=None)
    cancelled = await client.get_process_instance(waiting.process_instance_key)
    print(f"sent {bool(published.message_key)} {bool(signalled.signal_key)} {cancelled.state}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
