"""A fluent Python builder producing the same model the parser does.

    >>> from regista.bpmn import ProcessBuilder, to_xml
    >>> defs = (
    ...     ProcessBuilder("order").start().service_task("charge", type="payment")
    ...     .exclusive_gateway("ok?").condition("=amount > 100").user_task("approve").end()
    ...     .branch().default().end("done")
    ...     .build()
    ... )

Each element method adds a node after the current one (joined by a sequence flow) and
makes it current. The first argument is the element id, or its name when it is not a
valid id ("ok?" gets the id "ok"). `condition()`/`default()` apply to the next flow;
`move_to()`, `branch()` and `connect_to()` move around; `subprocess()` ...
`end_subprocess()` nest. Values follow the file conventions: `"=expr"` is FEEL, other
strings are literals, conditions without a marker are FEEL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from regista.bpmn.assembly import assemble_process
from regista.bpmn.catalog import BuilderError, Catalog, ValueLike, slug, to_formal, to_value
from regista.model.bpmn import (
    Activity,
    Association,
    BoundaryEvent,
    BusinessRuleTask,
    CallActivity,
    CompensateEventDefinition,
    Definitions,
    EndEvent,
    Error,
    Escalation,
    EventBasedGateway,
    ExclusiveGateway,
    Expression,
    FlowNode,
    Gateway,
    InclusiveGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    IoParameter,
    JobDefinition,
    ManualTask,
    Message,
    MultiInstance,
    ParallelGateway,
    Process,
    ReceiveTask,
    ScriptTask,
    SendTask,
    SequenceFlow,
    ServiceTask,
    Signal,
    StandardLoop,
    StartEvent,
    SubProcess,
    Task,
    Transaction,
    UserTask,
)
from regista.model.frozen import FrozenDict

__all__ = ["BuilderError", "ProcessBuilder", "build_definitions"]

_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")


@dataclass
class _Draft:
    kind: type[FlowNode]
    fields: dict[str, Any]


class ProcessBuilder(Catalog):
    """Fluent builder of one process; `build()` gives `Definitions` holding it.

    Generated ids ("StartEvent_1", "Flow_3", ...) start with `id_prefix`, which keeps
    them unique when several built processes share one file.
    """

    def __init__(
        self,
        id: str,
        name: str | None = None,
        *,
        executable: bool = True,
        version_tag: str | None = None,
        documentation: str | None = None,
        id_prefix: str = "",
    ) -> None:
        super().__init__()
        if not _NCNAME.match(id):
            raise BuilderError(f"'{id}' is not a valid process id (letters, digits, _ . -)")
        self.id = id
        self._fields: dict[str, Any] = {
            "id": id,
            "name": name,
            "is_executable": executable,
            "version_tag": version_tag,
            "documentation": documentation,
        }
        self._drafts: dict[str, _Draft] = {}
        self._flows: list[dict[str, Any]] = []
        self._associations: list[Association] = []
        self._current: str | None = None
        self._scope = id
        self._resume: dict[str, str | None] = {}
        self._pending: dict[str, Any] | None = None
        self._used: set[str] = {id}
        self._counters: dict[str, int] = {}
        self._id_prefix = id_prefix

    # -- ids and plumbing -------------------------------------------------------------------

    def _fresh(self, prefix: str) -> str:
        while True:
            self._counters[prefix] = self._counters.get(prefix, 0) + 1
            candidate = f"{self._id_prefix}{prefix}_{self._counters[prefix]}"
            if candidate not in self._used:
                self._used.add(candidate)
                return candidate

    def _ident(self, label: str | None, name: str | None, prefix: str) -> tuple[str, str | None]:
        if label is None:
            return self._fresh(prefix), name
        if _NCNAME.match(label):
            if label in self._used:
                raise BuilderError(f"the id '{label}' is already used; pick another")
            self._used.add(label)
            return label, name
        base = slug(label)
        if not base or not _NCNAME.match(base):
            base = f"{prefix}_{base}" if base else prefix
        candidate, n = base, 1
        while candidate in self._used:
            n += 1
            candidate = f"{base}_{n}"
        self._used.add(candidate)
        return candidate, name if name is not None else label

    def _draft(self, node_id: str) -> _Draft:
        try:
            return self._drafts[node_id]
        except KeyError:
            raise BuilderError(f"no element '{node_id}' has been added yet") from None

    def _add(
        self, kind: type[FlowNode], prefix: str, label: str | None, name: str | None, **fields: Any
    ) -> ProcessBuilder:
        current = self._drafts.get(self._current) if self._current else None
        if current is not None and current.kind is EndEvent:
            raise BuilderError(
                f"cannot continue after the end event '{self._current}'; use move_to(id) or "
                "branch() to go back to an earlier element"
            )
        node_id, node_name = self._ident(label, name, prefix)
        draft = _Draft(kind, {"id": node_id, "name": node_name, "parent": self._scope, **fields})
        self._drafts[node_id] = draft
        if current is not None and self._current is not None:
            if current.kind is BoundaryEvent and _compensates(current):
                if not issubclass(kind, Activity):
                    raise BuilderError("a compensation boundary event must lead to an activity")
                draft.fields["is_for_compensation"] = True
                self._associations.append(
                    Association(
                        id=self._fresh("Association"),
                        source=self._current,
                        target=node_id,
                        parent=self._scope,
                        direction="One",
                    )
                )
            else:
                self._connect(self._current, node_id)
        elif self._pending is not None:
            raise BuilderError("condition()/default() need an element before them to leave from")
        self._current = node_id
        return self

    def _connect(self, source: str, target: str) -> None:
        flow_id = self._fresh("Flow")
        pending = self._pending or {}
        self._pending = None
        if pending.get("default"):
            self._draft(source).fields["default"] = flow_id
        self._flows.append(
            {
                "id": flow_id,
                "name": pending.get("name"),
                "source": source,
                "target": target,
                "parent": self._draft(target).fields["parent"],
                "condition": pending.get("condition"),
            }
        )

    def _update(self, **fields: Any) -> ProcessBuilder:
        if self._current is None:
            raise BuilderError("add an element first; this call changes the current element")
        self._draft(self._current).fields.update(fields)
        return self

    def _current_fields(self) -> dict[str, Any]:
        if self._current is None:
            raise BuilderError("add an element first; this call changes the current element")
        return self._draft(self._current).fields

    # -- events -------------------------------------------------------------------------------

    def start(
        self,
        id: str | None = None,
        *,
        name: str | None = None,
        interrupting: bool = True,
        form_key: str | None = None,
        form_id: str | None = None,
        **trigger: Any,
    ) -> ProcessBuilder:
        """A start event (a new chain: no flow leads into it), with a start form when
        `form_id` (a linked Camunda Form) or `form_key`. `trigger` takes `message=`,
        `correlation_key=`, `duration=`/`date=`/`cycle=`, `signal=`, `condition=`,
        `error=`, `escalation=`, `compensate=` (the last three in event subprocesses)."""
        self._current = None
        return self._add(
            StartEvent,
            "StartEvent",
            id,
            name,
            event_definitions=self.event_definitions(**trigger),
            is_interrupting=interrupting,
            form_key=form_key,
            form_id=form_id,
        )

    def end(
        self,
        id: str | None = None,
        *,
        name: str | None = None,
        type: ValueLike | None = None,
        **result: Any,
    ) -> ProcessBuilder:
        """An end event; `result` takes `terminate=True`, `error=code`, `escalation=code`,
        `message=name` (with `type=` for a Camunda 8 job), `signal=`, `compensate=`,
        `cancel=True`."""
        return self._add(
            EndEvent,
            "EndEvent",
            id,
            name,
            event_definitions=self.event_definitions(**result),
            job=JobDefinition(type=to_value(type) or Expression.literal("")) if type else None,
        )

    def catch(
        self, id: str | None = None, *, name: str | None = None, **trigger: Any
    ) -> ProcessBuilder:
        """An intermediate catch event: `message=`, `duration=`, `date=`, `cycle=`,
        `signal=`, `condition=` or `link=`."""
        return self._add(
            IntermediateCatchEvent,
            "Event",
            id,
            name,
            event_definitions=self.event_definitions(**trigger),
        )

    def throw(
        self,
        id: str | None = None,
        *,
        name: str | None = None,
        type: ValueLike | None = None,
        **result: Any,
    ) -> ProcessBuilder:
        """An intermediate throw event: none, `message=`, `signal=`, `escalation=`,
        `link=` or `compensate=`."""
        return self._add(
            IntermediateThrowEvent,
            "Event",
            id,
            name,
            event_definitions=self.event_definitions(**result),
            job=JobDefinition(type=to_value(type) or Expression.literal("")) if type else None,
        )

    def boundary_event(
        self,
        id: str | None = None,
        *,
        name: str | None = None,
        attached_to: str | None = None,
        interrupting: bool = True,
        **trigger: Any,
    ) -> ProcessBuilder:
        """A boundary event on `attached_to` (default: the current activity); the chain
        continues from the event. A compensation boundary event (`compensate=True`) is
        associated with the next activity added, which becomes its handler."""
        host_id = attached_to or self._current
        if host_id is None or not issubclass(self._draft(host_id).kind, Activity):
            raise BuilderError("a boundary event must be attached to an activity")
        self._scope = self._draft(host_id).fields["parent"]
        self._current = None
        self._add(
            BoundaryEvent,
            "BoundaryEvent",
            id,
            name,
            attached_to=host_id,
            cancel_activity=interrupting,
            event_definitions=self.event_definitions(**trigger),
        )
        return self

    # -- activities ---------------------------------------------------------------------------

    def task(self, id: str | None = None, *, name: str | None = None) -> ProcessBuilder:
        """An abstract task."""
        return self._add(Task, "Activity", id, name)

    def manual_task(self, id: str | None = None, *, name: str | None = None) -> ProcessBuilder:
        """A manual task."""
        return self._add(ManualTask, "Activity", id, name)

    def service_task(
        self,
        id: str | None = None,
        *,
        name: str | None = None,
        type: ValueLike,
        retries: ValueLike | int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ProcessBuilder:
        """A service task done by workers of job `type`."""
        return self._add(
            ServiceTask,
            "Activity",
            id,
            name,
            job=_job(type, retries),
            headers=tuple((headers or {}).items()),
        )

    def user_task(
        self,
        id: str | None = None,
        *,
        name: str | None = None,
        assignee: ValueLike | None = None,
        candidate_groups: ValueLike | Iterable[str] | None = None,
        candidate_users: ValueLike | Iterable[str] | None = None,
        due_date: ValueLike | None = None,
        follow_up_date: ValueLike | None = None,
        priority: ValueLike | None = None,
        form_key: str | None = None,
        form_id: str | None = None,
    ) -> ProcessBuilder:
        """A user task; candidate lists may be given as lists of names."""
        return self._add(
            UserTask,
            "Activity",
            id,
            name,
            assignee=to_value(assignee),
            candidate_groups=to_value(_joined(candidate_groups)),
            candidate_users=to_value(_joined(candidate_users)),
            due_date=to_value(due_date),
            follow_up_date=to_value(follow_up_date),
            priority=to_value(priority),
            form_key=form_key,
            form_id=form_id,
        )

    def script_task(
        self,
        id: str | None = None,
        *,
        name: str | None = None,
        script: str,
        format: str = "feel",
        result_variable: str | None = None,
    ) -> ProcessBuilder:
        """A script task: FEEL (a leading `=` is allowed) or Python."""
        if format == "feel" and script.lstrip().startswith("="):
            script = script.lstrip()[1:].strip()
        return self._add(
            ScriptTask,
            "Activity",
            id,
            name,
            script_format=format.lower(),
            script=script,
            result_variable=result_variable,
        )

    def business_rule_task(
        self,
        id: str | None = None,
        *,
        name: str | None = None,
        decision: ValueLike,
        result_variable: str | None = None,
    ) -> ProcessBuilder:
        """A business rule task evaluating the DMN decision `decision`."""
        return self._add(
            BusinessRuleTask,
            "Activity",
            id,
            name,
            decision_id=to_value(decision),
            result_variable=result_variable,
        )

    def send_task(
        self,
        id: str | None = None,
        *,
        name: str | None = None,
        message: str | None = None,
        type: ValueLike | None = None,
    ) -> ProcessBuilder:
        """A send task publishing `message` (or a job of `type` for a worker)."""
        return self._add(
            SendTask,
            "Activity",
            id,
            name,
            message_ref=self.message(message) if message else None,
            job=_job(type, None) if type is not None else None,
        )

    def receive_task(
        self,
        id: str | None = None,
        *,
        name: str | None = None,
        message: str | None = None,
        correlation_key: ValueLike | None = None,
    ) -> ProcessBuilder:
        """A receive task waiting for `message`; without one, a plain wait state that goes
        on when it is triggered (`Client.trigger`)."""
        ref = None if message is None else self.message(message, correlation_key=correlation_key)
        return self._add(ReceiveTask, "Activity", id, name, message_ref=ref)

    def call_activity(
        self,
        id: str | None = None,
        *,
        name: str | None = None,
        process_id: ValueLike,
        propagate_all_child_variables: bool = True,
        propagate_all_parent_variables: bool = True,
        binding: str | None = None,
        version: str | None = None,
    ) -> ProcessBuilder:
        """A call activity starting the process `process_id`."""
        return self._add(
            CallActivity,
            "Activity",
            id,
            name,
            called_element=to_value(process_id),
            propagate_all_child_variables=propagate_all_child_variables,
            propagate_all_parent_variables=propagate_all_parent_variables,
            binding=binding,
            version=version,
        )

    def subprocess(self, id: str | None = None, *, name: str | None = None) -> ProcessBuilder:
        """An embedded subprocess; the next elements go inside until `end_subprocess()`."""
        self._add(SubProcess, "Activity", id, name)
        return self._enter()

    def transaction(self, id: str | None = None, *, name: str | None = None) -> ProcessBuilder:
        """A transaction subprocess; close it with `end_subprocess()`."""
        self._add(Transaction, "Activity", id, name)
        return self._enter()

    def event_subprocess(self, id: str | None = None, *, name: str | None = None) -> ProcessBuilder:
        """An event subprocess of the current scope (no flows); begin it with a `start()`
        carrying its trigger and close it with `end_subprocess()`."""
        resume = self._current
        self._current = None
        self._add(SubProcess, "Activity", id, name, triggered_by_event=True)
        assert self._current is not None
        self._resume[self._current] = resume
        return self._enter()

    def _enter(self) -> ProcessBuilder:
        assert self._current is not None
        self._scope = self._current
        self._current = None
        return self

    def end_subprocess(self) -> ProcessBuilder:
        """Close the innermost subprocess and continue after it."""
        if self._scope == self.id:
            raise BuilderError("end_subprocess() without an open subprocess")
        if self._pending is not None:
            raise BuilderError("condition()/default() given but no element followed")
        scope_id = self._scope
        scope = self._draft(scope_id)
        self._scope = scope.fields["parent"]
        if scope.fields.get("triggered_by_event"):
            self._current = self._resume.get(scope_id)
        else:
            self._current = scope_id
        return self

    # -- gateways -----------------------------------------------------------------------------

    def exclusive_gateway(
        self, id: str | None = None, *, name: str | None = None
    ) -> ProcessBuilder:
        """An exclusive (XOR) gateway."""
        return self._add(ExclusiveGateway, "Gateway", id, name)

    def inclusive_gateway(
        self, id: str | None = None, *, name: str | None = None
    ) -> ProcessBuilder:
        """An inclusive (OR) gateway."""
        return self._add(InclusiveGateway, "Gateway", id, name)

    def parallel_gateway(self, id: str | None = None, *, name: str | None = None) -> ProcessBuilder:
        """A parallel (AND) gateway."""
        return self._add(ParallelGateway, "Gateway", id, name)

    def event_based_gateway(
        self, id: str | None = None, *, name: str | None = None
    ) -> ProcessBuilder:
        """An event-based gateway; follow it with catch events or receive tasks."""
        return self._add(EventBasedGateway, "Gateway", id, name)

    # -- flows and navigation -----------------------------------------------------------------

    def condition(self, expression: ValueLike, *, name: str | None = None) -> ProcessBuilder:
        """Put `expression` on the next sequence flow leaving the current element."""
        self._pending = {**(self._pending or {}), "condition": to_formal(expression), "name": name}
        return self

    def default(self, *, name: str | None = None) -> ProcessBuilder:
        """Make the next sequence flow the default flow of the current element."""
        self._pending = {**(self._pending or {}), "default": True, "name": name}
        return self

    def move_to(self, id: str) -> ProcessBuilder:
        """Continue from the existing element `id`."""
        if self._pending is not None:
            raise BuilderError("condition()/default() given but no element followed")
        draft = self._draft(id)
        self._current = id
        self._scope = draft.fields["parent"]
        return self

    def branch(self, id: str | None = None) -> ProcessBuilder:
        """Go back to a gateway to add another branch: the gateway `id`, or else the most
        recent gateway of this scope that already has an outgoing flow (name the split
        when a join gateway was added after it)."""
        if id is not None:
            return self.move_to(id)
        sources = {flow["source"] for flow in self._flows}
        for node_id in reversed(list(self._drafts)):
            draft = self._drafts[node_id]
            if (
                issubclass(draft.kind, Gateway)
                and draft.fields["parent"] == self._scope
                and node_id in sources
            ):
                return self.move_to(node_id)
        raise BuilderError("branch() found no gateway with a branch to add to; use move_to(id)")

    def connect_to(self, id: str) -> ProcessBuilder:
        """Add a sequence flow from the current element to the existing element `id` and
        continue from there (joins and loops)."""
        if self._current is None:
            raise BuilderError("connect_to() needs a current element to leave from")
        self._draft(id)
        self._connect(self._current, id)
        return self.move_to(id)

    # -- details of the current element -------------------------------------------------------

    def input(self, target: str, source: ValueLike) -> ProcessBuilder:
        """Add an input mapping `target = source` to the current element."""
        fields = self._current_fields()
        mapping = IoParameter(to_value(source) or Expression("null"), target)
        fields["inputs"] = (*fields.get("inputs", ()), mapping)
        return self

    def output(self, target: str, source: ValueLike) -> ProcessBuilder:
        """Add an output mapping `target = source` to the current element."""
        fields = self._current_fields()
        mapping = IoParameter(to_value(source) or Expression("null"), target)
        fields["outputs"] = (*fields.get("outputs", ()), mapping)
        return self

    def multi_instance(
        self,
        collection: ValueLike | None = None,
        element: str | None = None,
        *,
        sequential: bool = False,
        cardinality: ValueLike | None = None,
        output_collection: str | None = None,
        output_element: ValueLike | None = None,
        completion_condition: ValueLike | None = None,
    ) -> ProcessBuilder:
        """Make the current activity multi-instance over `collection` (a FEEL expression;
        a bare name is a variable)."""
        return self._update(
            loop=MultiInstance(
                is_sequential=sequential,
                loop_cardinality=to_formal(cardinality),
                input_collection=to_formal(collection),
                input_element=element,
                output_collection=output_collection,
                output_element=to_formal(output_element),
                completion_condition=to_formal(completion_condition),
            )
        )

    def loop(
        self,
        condition: ValueLike,
        *,
        test_before: bool = False,
        maximum: int | None = None,
    ) -> ProcessBuilder:
        """Repeat the current activity while `condition` holds."""
        return self._update(
            loop=StandardLoop(
                loop_condition=to_formal(condition), test_before=test_before, loop_maximum=maximum
            )
        )

    def async_before(self) -> ProcessBuilder:
        """Commit before the current element runs."""
        return self._update(async_before=True)

    def async_after(self) -> ProcessBuilder:
        """Commit after the current element ran."""
        return self._update(async_after=True)

    def documentation(self, text: str) -> ProcessBuilder:
        """Set the documentation of the current element."""
        return self._update(documentation=text)

    def property(self, name: str, value: str) -> ProcessBuilder:
        """Add a property (zeebe:property) to the current element."""
        fields = self._current_fields()
        fields["properties"] = FrozenDict({**fields.get("properties", {}), name: value})
        return self

    # -- result -------------------------------------------------------------------------------

    def build_process(self) -> Process:
        """The process model alone."""
        if self._pending is not None:
            raise BuilderError("condition()/default() given but no element followed")
        nodes = [draft.kind(**draft.fields) for draft in self._drafts.values()]
        flows = [SequenceFlow(**flow) for flow in self._flows]
        return assemble_process(dict(self._fields), nodes, flows, associations=self._associations)

    def build(self, definitions_id: str | None = None) -> Definitions:
        """`Definitions` holding this process and the messages, signals, errors and
        escalations it uses."""
        return build_definitions(self, id=definitions_id or f"Definitions_{self.id}")


def build_definitions(*processes: ProcessBuilder, id: str = "Definitions_1") -> Definitions:
    """`Definitions` holding several built processes and everything they reference."""
    models: dict[str, Process] = {}
    messages: dict[str, Message] = {}
    signals: dict[str, Signal] = {}
    errors: dict[str, Error] = {}
    escalations: dict[str, Escalation] = {}
    owners: dict[str, str] = {}
    for builder in processes:
        model = builder.build_process()
        ids = [model.id, *model.elements, *model.flows, *model.associations]
        for element_id in ids:
            if element_id in owners:
                raise BuilderError(
                    f"the id '{element_id}' is used in both '{owners[element_id]}' and "
                    f"'{model.id}'; give one of them another id or an id_prefix"
                )
            owners[element_id] = model.id
        models[builder.id] = model
        messages.update(builder.messages)
        signals.update(builder.signals)
        errors.update(builder.errors)
        escalations.update(builder.escalations)
    return Definitions(
        id=id,
        target_namespace="http://bpmn.io/schema/bpmn",
        processes=FrozenDict(models),
        messages=FrozenDict(messages),
        signals=FrozenDict(signals),
        errors=FrozenDict(errors),
        escalations=FrozenDict(escalations),
    )


def _compensates(draft: _Draft) -> bool:
    definitions = draft.fields.get("event_definitions", ())
    return any(isinstance(d, CompensateEventDefinition) for d in definitions)


def _job(task_type: ValueLike, retries: ValueLike | int | None) -> JobDefinition:
    return JobDefinition(
        type=to_value(task_type) or Expression.literal(""),
        retries=to_value(str(retries) if isinstance(retries, int) else retries),
    )


def _joined(value: ValueLike | Iterable[str] | None) -> ValueLike | None:
    if value is None or isinstance(value, str | Expression):
        return value
    return ", ".join(value)
