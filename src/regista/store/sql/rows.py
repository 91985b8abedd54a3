"""Rows of the SQL stores as records: the same mapping for SQLite and PostgreSQL, with the
dialect's codec turning driver values into datetimes and JSON."""

from __future__ import annotations

import json
from typing import Any, cast

from regista.store.decision_instances import DecisionInstance
from regista.store.errors import CorruptState
from regista.store.records import (
    BufferedMessage,
    Definition,
    HistoryEvent,
    Incident,
    Instance,
    Job,
    JobStatus,
    Node,
    Subscription,
    SubscriptionKind,
    Timer,
    UserTask,
    UserTaskStatus,
)
from regista.store.sql.base import Codec, hash_opt, hash_out, key_out

Row = Any
"""A driver row: `sqlite3.Row` or a psycopg dict row; both index by column name."""


class RowMapper:
    """Builds records from rows."""

    def __init__(self, codec: Codec) -> None:
        self.c = codec

    def definition(self, r: Row) -> Definition:
        return Definition(
            id=r["id"],
            process_id=r["process_id"],
            version=r["version"],
            sha256=r["sha256"],
            source=r["source"],
            resource_name=r["resource_name"],
            deployed_at=self.c.ts_out(r["deployed_at"]),
            trust=r["trust"],
            deployed_by=r["deployed_by"],
        )

    def instance(self, r: Row) -> Instance:
        try:
            state = self.c.json_out(r["state"])
        except ValueError as exc:
            raise CorruptState(r["id"], f"not JSON: {exc}") from None
        if not isinstance(state, dict):
            raise CorruptState(r["id"], f"a JSON {type(state).__name__}, not an object")
        return Instance(
            id=r["id"],
            definition_id=r["definition_id"],
            process_id=r["process_id"],
            business_key=r["business_key"],
            status=r["status"],
            state=state,
            version=r["version"],
            parent_instance_id=r["parent_instance_id"],
            parent_element_instance_id=r["parent_element_instance_id"],
            idempotency_key=r["idempotency_key"],
            started_at=self.c.ts_out(r["started_at"]),
            ended_at=self.c.ts_opt(r["ended_at"]),
            updated_at=self.c.ts_out(r["updated_at"]),
        )

    def job(self, r: Row) -> Job:
        return Job(
            id=r["id"],
            instance_id=r["instance_id"],
            element_id=r["element_id"],
            element_instance_id=r["element_instance_id"],
            type=r["type"],
            retries=r["retries"],
            attempt=r["attempt"],
            status=cast(JobStatus, r["status"]),
            lease_owner=r["lease_owner"],
            lease_until=self.c.ts_opt(r["lease_until"]),
            due_at=self.c.ts_out(r["due_at"]),
            variables=self.c.json_out(r["variables"]),
            headers=self.c.json_out(r["headers"]),
            error=r["error"],
            created_at=self.c.ts_out(r["created_at"]),
            completed_at=self.c.ts_opt(r["completed_at"]),
            error_details=r["error_details"],
        )

    def timer(self, r: Row) -> Timer:
        return Timer(
            id=r["id"],
            instance_id=r["instance_id"],
            element_id=r["element_id"],
            element_instance_id=r["element_instance_id"],
            due_at=self.c.ts_out(r["due_at"]),
            repeat=r["repeat"],
            lease_owner=r["lease_owner"],
            lease_until=self.c.ts_opt(r["lease_until"]),
            created_at=self.c.ts_out(r["created_at"]),
        )

    def user_task(self, r: Row) -> UserTask:
        return UserTask(
            id=r["id"],
            instance_id=r["instance_id"],
            element_id=r["element_id"],
            element_instance_id=r["element_instance_id"],
            name=r["name"],
            assignee=r["assignee"],
            candidate_users=tuple(self.c.json_out(r["candidate_users"])),
            candidate_groups=tuple(self.c.json_out(r["candidate_groups"])),
            due_at=self.c.ts_opt(r["due_at"]),
            follow_up_at=self.c.ts_opt(r["follow_up_at"]),
            form_key=r["form_key"],
            status=cast(UserTaskStatus, r["status"]),
            variables=self.c.json_out(r["variables"]),
            created_at=self.c.ts_out(r["created_at"]),
            completed_at=self.c.ts_opt(r["completed_at"]),
            completed_by=r["completed_by"],
            priority=r["priority"],
        )

    def subscription(self, r: Row) -> Subscription:
        return Subscription(
            id=r["id"],
            instance_id=r["instance_id"],
            kind=cast(SubscriptionKind, r["kind"]),
            name=r["name"],
            correlation_key=key_out(r["correlation_key"]),
            element_id=r["element_id"],
            element_instance_id=r["element_instance_id"],
            created_at=self.c.ts_out(r["created_at"]),
        )

    def message(self, r: Row) -> BufferedMessage:
        return BufferedMessage(
            id=r["id"],
            name=r["name"],
            correlation_key=key_out(r["correlation_key"]),
            variables=self.c.json_out(r["variables"]),
            published_at=self.c.ts_out(r["published_at"]),
            expires_at=self.c.ts_out(r["expires_at"]),
            consumed_by=r["consumed_by"],
            consumed_at=self.c.ts_opt(r["consumed_at"]),
        )

    def incident(self, r: Row) -> Incident:
        return Incident(
            id=r["id"],
            instance_id=r["instance_id"],
            element_id=r["element_id"],
            element_instance_id=r["element_instance_id"],
            job_id=r["job_id"],
            message=r["message"],
            created_at=self.c.ts_out(r["created_at"]),
            resolved_at=self.c.ts_opt(r["resolved_at"]),
            error_type=r["error_type"],
        )

    def decision_instance(self, r: Row) -> DecisionInstance:
        return DecisionInstance(
            key=r["key"],
            evaluation_key=r["evaluation_key"],
            decision_id=r["decision_id"],
            decision_name=r["decision_name"],
            decision_type=r["decision_type"],
            evaluated_at=self.c.ts_out(r["evaluated_at"]),
            result=r["result"],
            definition_key=r["definition_key"],
            version=r["version"],
            instance_id=r["instance_id"],
            element_instance_id=r["element_instance_id"],
            process_definition_key=r["process_definition_key"],
            state=r["state"],
            failure=r["failure"],
            inputs=tuple(json.loads(r["inputs"])),
            rules=tuple(json.loads(r["rules"])),
        )

    def history_event(self, r: Row) -> HistoryEvent:
        return HistoryEvent(
            id=int(r["id"]),
            instance_id=r["instance_id"],
            seq=r["seq"],
            ts=self.c.ts_out(r["ts"]),
            kind=r["kind"],
            element_id=r["element_id"],
            element_instance_id=r["element_instance_id"],
            actor=r["actor"],
            command=r["command"],
            data=self.c.json_out(r["data"]),
            prev_hash=hash_opt(r["prev_hash"]),
            hash=hash_out(r["hash"]),
        )

    def node(self, r: Row) -> Node:
        return Node(
            id=r["id"],
            hostname=r["hostname"],
            pid=r["pid"],
            started_at=self.c.ts_out(r["started_at"]),
            heartbeat_at=self.c.ts_out(r["heartbeat_at"]),
        )
